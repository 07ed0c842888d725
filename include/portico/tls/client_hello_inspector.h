// Reads the SNI of a TLS ClientHello without terminating TLS, for PASSTHROUGH servers (route
// by SNI, then proxy the bytes untouched). The data plane buffers the first bytes of a
// connection, calls inspect() until it answers kFound or kNotTls, then replays the same
// buffered bytes to the chosen upstream.
//
// The ClientHello is parsed by OpenSSL itself: the bytes go through a throwaway SSL object
// whose ClientHello callback records the SNI and stops the handshake, so no hand-written
// TLS record or handshake parser is involved. One inspector per worker (not thread-safe);
// inspect() allocates one SSL per call, fine at connection rate.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "portico/tls/openssl_ptr.h"

namespace portico::tls {

class ClientHelloInspector {
 public:
  enum class Status { kNeedMore, kFound, kNotTls };
  struct Result {
    Status status = Status::kNeedMore;
    std::string sni;  // kFound: lower-case server name; "" when the client sent none
  };

  // A ClientHello larger than this is not waited for (Envoy's tls_inspector uses 64 KiB).
  static constexpr std::size_t kMaxClientHello = 64 * 1024;

  ClientHelloInspector();
  // `bytes`: everything received on the connection so far.
  Result inspect(std::string_view bytes) const;

 private:
  static int clientHelloCallback(SSL* ssl, int* alert, void* arg) noexcept;
  SslCtxPtr ctx_;
};

}  // namespace portico::tls
