// Everything the command line decides, handed from main() to core::Server.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "portico/core/access_log.h"
#include "portico/http/codec_limits.h"
#include "portico/http2/http2_settings.h"

namespace portico::core {

struct ServerOptions {
  std::vector<std::string> configPaths;
  unsigned concurrency = 1;
  std::string adminAddress = "127.0.0.1";
  uint16_t adminPort = 15000;
  std::map<std::string, std::string> gatewayLabels{{"istio", "ingressgateway"}};
  std::string bindAddress = "0.0.0.0";
  std::string accessLog = "-";  // path, "-" (stdout) or "off"
  AccessLogFormat accessLogFormat = AccessLogFormat::kText;
  std::chrono::seconds drainTime{5};
  bool strict = false;
  bool watchConfig = true;  // inotify on the -c paths; SIGHUP and POST /reload always work
  std::chrono::milliseconds reloadDebounce{100};
  // Gateway tls.credentialName NAME reads <credentialsDir>/NAME/{tls.crt,tls.key,ca.crt}.
  std::string credentialsDir = "/etc/portico/credentials";
  // A WebSocket tunnel that passes no bytes either way for this long is closed.
  std::chrono::seconds websocketIdleTimeout{300};
  http::CodecLimits codecLimits;
  http2::Http2Settings http2;
};

}  // namespace portico::core
