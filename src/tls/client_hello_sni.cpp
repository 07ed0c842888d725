#include "portico/tls/client_hello_sni.h"

#include <openssl/tls1.h>

#include <cstddef>

namespace portico::tls {

bool clientHelloServerName(SSL* ssl, std::string_view& sni) {
  sni = {};
  const unsigned char* p = nullptr;
  std::size_t remaining = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &remaining) != 1) return true;
  // ServerNameList: u16 length, then entries of {u8 name_type, u16 length, bytes}.
  if (remaining <= 2) return false;
  std::size_t listLen = (static_cast<std::size_t>(p[0]) << 8) | p[1];
  if (listLen + 2 != remaining) return false;
  p += 2;
  remaining = listLen;
  if (remaining == 0 || *p++ != TLSEXT_NAMETYPE_host_name) return false;
  --remaining;
  if (remaining <= 2) return false;
  std::size_t nameLen = (static_cast<std::size_t>(p[0]) << 8) | p[1];
  p += 2;
  if (nameLen == 0 || nameLen + 2 > remaining) return false;
  sni = std::string_view(reinterpret_cast<const char*>(p), nameLen);
  return true;
}

}  // namespace portico::tls
