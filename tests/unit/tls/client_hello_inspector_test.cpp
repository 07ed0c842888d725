#include "portico/tls/client_hello_inspector.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "portico/tls/openssl_ptr.h"

namespace portico::tls {
namespace {

// The first flight of a real OpenSSL client (its ClientHello), captured from a memory BIO.
std::string clientHello(const char* sni) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  SslPtr ssl(SSL_new(ctx.get()));
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);
  if (sni != nullptr) SSL_set_tlsext_host_name(ssl.get(), sni);
  SSL_connect(ssl.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

using Status = ClientHelloInspector::Status;

TEST(ClientHelloInspectorTest, ReadsTheSniWithoutTerminating) {
  ClientHelloInspector inspector;
  std::string hello = clientHello("PT.Example.com");
  auto found = inspector.inspect(hello);
  EXPECT_EQ(found.status, Status::kFound);
  EXPECT_EQ(found.sni, "pt.example.com");

  auto none = inspector.inspect(clientHello(nullptr));
  EXPECT_EQ(none.status, Status::kFound);
  EXPECT_EQ(none.sni, "");
}

TEST(ClientHelloInspectorTest, WaitsForTheWholeClientHello) {
  ClientHelloInspector inspector;
  std::string hello = clientHello("pt.example.com");
  for (std::size_t n :
       {std::size_t{0}, std::size_t{3}, std::size_t{5}, hello.size() / 2, hello.size() - 1}) {
    EXPECT_EQ(inspector.inspect(std::string_view(hello).substr(0, n)).status, Status::kNeedMore)
        << n;
  }
  EXPECT_EQ(inspector.inspect(hello).status, Status::kFound);
}

TEST(ClientHelloInspectorTest, PlainTextIsNotTls) {
  ClientHelloInspector inspector;
  EXPECT_EQ(inspector.inspect("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status, Status::kNotTls);
}

}  // namespace
}  // namespace portico::tls
