#include "portico/tls/client_hello_inspector.h"

#include <openssl/err.h>
#include <openssl/tls1.h>

#include <cctype>

#include "portico/tls/client_hello_sni.h"

namespace portico::tls {
namespace {

struct Capture {
  bool called = false;
  std::string sni;
};

int captureIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

ClientHelloInspector::ClientHelloInspector() : ctx_(SSL_CTX_new(TLS_server_method())) {
  if (ctx_) {
    // Accept every version and cipher a client might offer: we only look.
    SSL_CTX_set_min_proto_version(ctx_.get(), 0);
    SSL_CTX_set_security_level(ctx_.get(), 0);
    SSL_CTX_set_client_hello_cb(ctx_.get(), &ClientHelloInspector::clientHelloCallback, nullptr);
  }
}

int ClientHelloInspector::clientHelloCallback(SSL* ssl, int* alert, void* /*arg*/) noexcept {
  auto* capture = static_cast<Capture*>(SSL_get_ex_data(ssl, captureIndex()));
  capture->called = true;
  std::string_view sni;
  if (clientHelloServerName(ssl, sni)) {
    for (char c : sni)
      capture->sni.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  // Stop here: nothing is ever sent back on this SSL.
  *alert = SSL_AD_HANDSHAKE_FAILURE;
  return SSL_CLIENT_HELLO_ERROR;
}

ClientHelloInspector::Result ClientHelloInspector::inspect(std::string_view bytes) const {
  Result result;
  if (!ctx_) {
    result.status = Status::kNotTls;
    return result;
  }
  SslPtr ssl(SSL_new(ctx_.get()));
  BIO* in = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
  BIO* out = BIO_new(BIO_s_mem());  // the alert goes here and is dropped
  if (!ssl || in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    ERR_clear_error();
    result.status = Status::kNotTls;
    return result;
  }
  // A read-only memory BIO reports EOF at its end; make it "retry" so that a short read
  // means "need more" rather than a failure.
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(ssl.get(), in, out);
  Capture capture;
  SSL_set_ex_data(ssl.get(), captureIndex(), &capture);
  int rc = SSL_accept(ssl.get());
  int error = SSL_get_error(ssl.get(), rc);
  ERR_clear_error();
  if (capture.called) {
    result.status = Status::kFound;
    result.sni = std::move(capture.sni);
  } else if (error == SSL_ERROR_WANT_READ && bytes.size() < kMaxClientHello) {
    result.status = Status::kNeedMore;
  } else {
    result.status = Status::kNotTls;
  }
  return result;
}

}  // namespace portico::tls
