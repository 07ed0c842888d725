// portico: flags to core::Server, nothing else.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "portico/config/validate_command.h"
#include "portico/core/server.h"

namespace po = boost::program_options;
using portico::core::ServerOptions;

namespace {

constexpr const char* kUsage =
    "usage: portico -c PATH [-c PATH...] [options]\n"
    "       portico validate [--strict] PATH...\n";

bool parseHostPort(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    unsigned long p = std::stoul(text.substr(colon + 1));
    if (p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

bool parseLabels(const std::string& text, std::map<std::string, std::string>& labels) {
  labels.clear();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string pair = text.substr(pos, comma - pos);
    std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    labels[pair.substr(0, eq)] = pair.substr(eq + 1);
    pos = comma + 1;
  }
  return !labels.empty();
}

int validateCommand(int argc, char** argv) {
  po::options_description desc("validate options");
  bool strict = false;
  std::vector<std::string> paths;
  desc.add_options()("strict", po::bool_switch(&strict), "treat warnings as errors")(
      "path", po::value(&paths), "config file or directory");
  po::positional_options_description positional;
  positional.add("path", -1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "portico validate: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (paths.empty()) {
    std::cerr << "portico validate: no PATH given\n" << kUsage;
    return 2;
  }
  return portico::config::runValidate(paths, strict, std::cout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "validate") return validateCommand(argc - 1, argv + 1);

  ServerOptions options;
  unsigned hw = std::thread::hardware_concurrency();
  std::string adminAddress = "127.0.0.1:15000";
  std::string gatewayLabels = "istio=ingressgateway";
  std::string logLevel = "info";
  long drainSeconds = 5;
  long websocketIdleSeconds = 300;
  long headerTimeoutMs = 10000;
  long reloadDebounceMs = 100;
  bool noWatch = false;
  std::string accessLogFormat = "text";

  po::options_description desc("portico options");
  desc.add_options()("help,h", "show this help")("version", "print the version")(
      "config,c", po::value(&options.configPaths)->composing(),
      "config file or directory (repeatable)")(
      "concurrency", po::value(&options.concurrency)->default_value(hw ? hw : 1), "worker threads")(
      "admin-address", po::value(&adminAddress)->default_value(adminAddress),
      "admin listener ADDR:PORT")(
      "gateway-labels", po::value(&gatewayLabels)->default_value(gatewayLabels),
      "labels of this proxy, k=v[,k=v]: Gateways whose selector matches open listeners")(
      "bind-address", po::value(&options.bindAddress)->default_value(options.bindAddress),
      "address listeners bind to")("log-level", po::value(&logLevel)->default_value(logLevel),
                                   "trace|debug|info|warn|error|critical|off")(
      "access-log", po::value(&options.accessLog)->default_value(options.accessLog),
      "access log: PATH, - (stdout) or off")(
      "access-log-format", po::value(&accessLogFormat)->default_value(accessLogFormat),
      "access log lines: text (Envoy's default format) or json (one object per line)")(
      "drain-time-s", po::value(&drainSeconds)->default_value(drainSeconds),
      "seconds requests in flight get to finish after SIGTERM/SIGINT")(
      "strict", po::bool_switch(&options.strict), "treat config warnings as errors")(
      "reload-debounce-ms", po::value(&reloadDebounceMs)->default_value(reloadDebounceMs),
      "quiet time after a config file change before the reload starts")(
      "no-watch", po::bool_switch(&noWatch),
      "do not watch the -c paths (reload only on SIGHUP or POST /reload)")(
      "credentials-dir", po::value(&options.credentialsDir)->default_value(options.credentialsDir),
      "where Gateway tls.credentialName NAME is read: DIR/NAME/tls.crt, tls.key, ca.crt")(
      "max-request-line-bytes",
      po::value(&options.codecLimits.maxRequestLineBytes)
          ->default_value(options.codecLimits.maxRequestLineBytes),
      "longer request lines get 414")("max-request-headers-bytes",
                                      po::value(&options.codecLimits.maxHeaderBytes)
                                          ->default_value(options.codecLimits.maxHeaderBytes),
                                      "larger header blocks get 431")(
      "request-headers-timeout-ms", po::value(&headerTimeoutMs)->default_value(headerTimeoutMs),
      "time from a request's first byte to the end of its head (408 after)")(
      "websocket-idle-timeout-s",
      po::value(&websocketIdleSeconds)->default_value(websocketIdleSeconds),
      "seconds a WebSocket tunnel may pass no bytes before it is closed")(
      "http2-max-concurrent-streams",
      po::value(&options.http2.maxConcurrentStreams)
          ->default_value(options.http2.maxConcurrentStreams),
      "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "portico: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << desc;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "portico " << PORTICO_VERSION << "\n";
    return 0;
  }
  if (options.configPaths.empty()) {
    std::cerr << "portico: at least one -c PATH is required\n" << kUsage;
    return 2;
  }
  if (options.concurrency == 0 || options.concurrency > 1024) {
    std::cerr << "portico: --concurrency must be between 1 and 1024\n";
    return 2;
  }
  if (!parseHostPort(adminAddress, options.adminAddress, options.adminPort)) {
    std::cerr << "portico: --admin-address must be ADDR:PORT\n";
    return 2;
  }
  if (!parseLabels(gatewayLabels, options.gatewayLabels)) {
    std::cerr << "portico: --gateway-labels must be k=v[,k=v]\n";
    return 2;
  }
  if (options.http2.maxConcurrentStreams == 0) {
    std::cerr << "portico: --http2-max-concurrent-streams must be > 0\n";
    return 2;
  }
  if (drainSeconds < 0 || headerTimeoutMs <= 0) {
    std::cerr << "portico: --drain-time-s must be >= 0 and --request-headers-timeout-ms > 0\n";
    return 2;
  }
  if (websocketIdleSeconds <= 0) {
    std::cerr << "portico: --websocket-idle-timeout-s must be > 0\n";
    return 2;
  }
  options.websocketIdleTimeout = std::chrono::seconds(websocketIdleSeconds);
  if (reloadDebounceMs < 0 || reloadDebounceMs > 60000) {
    std::cerr << "portico: --reload-debounce-ms must be between 0 and 60000\n";
    return 2;
  }
  options.reloadDebounce = std::chrono::milliseconds(reloadDebounceMs);
  options.watchConfig = !noWatch;
  if (accessLogFormat == "json") {
    options.accessLogFormat = portico::core::AccessLogFormat::kJson;
  } else if (accessLogFormat != "text") {
    std::cerr << "portico: --access-log-format must be text or json\n";
    return 2;
  }
  options.drainTime = std::chrono::seconds(drainSeconds);
  options.codecLimits.headerTimeout = std::chrono::milliseconds(headerTimeoutMs);
  auto level = spdlog::level::from_str(logLevel);
  if (level == spdlog::level::off && logLevel != "off") {
    std::cerr << "portico: unknown --log-level " << logLevel << "\n";
    return 2;
  }
  spdlog::set_level(level);
  // Logs go to stderr; stdout carries the access log.
  spdlog::set_default_logger(spdlog::stderr_color_mt("portico"));
  spdlog::set_level(level);

  portico::core::Server server(std::move(options));
  return server.run();
}
