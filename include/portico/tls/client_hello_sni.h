// The SNI of a ClientHello, from inside an OpenSSL ClientHello callback, where OpenSSL only
// exposes the raw server_name extension (SSL_get_servername is not yet set there).
#pragma once

#include <openssl/ssl.h>

#include <string_view>

namespace portico::tls {

// Sets `sni` to the host_name entry (as sent, not lower-cased; empty when the client sent
// no server_name). Returns false when the extension is malformed (RFC 6066 §3).
bool clientHelloServerName(SSL* ssl, std::string_view& sni);

}  // namespace portico::tls
