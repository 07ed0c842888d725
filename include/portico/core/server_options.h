// Everything the command line decides, handed from main() to core::Server.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "portico/http/codec_limits.h"

namespace portico::core {

struct ServerOptions {
  std::vector<std::string> configPaths;
  unsigned concurrency = 1;
  std::string adminAddress = "127.0.0.1";
  uint16_t adminPort = 15000;
  std::map<std::string, std::string> gatewayLabels{{"istio", "ingressgateway"}};
  std::string bindAddress = "0.0.0.0";
  std::string accessLog = "-";  // path, "-" (stdout) or "off"
  std::chrono::seconds drainTime{5};
  bool strict = false;
  // Gateway tls.credentialName NAME reads <credentialsDir>/NAME/{tls.crt,tls.key,ca.crt}.
  std::string credentialsDir = "/etc/portico/credentials";
  http::CodecLimits codecLimits;
};

}  // namespace portico::core
