// The daemon: loads and compiles the config, binds every worker's listeners and the admin
// listener, runs until SIGTERM/SIGINT, then drains (stop accepting, let requests in flight
// finish within the drain time) and stops. main() only parses flags into ServerOptions.
#pragma once

#include "portico/core/server_options.h"
#include "portico/stats/stats_registry.h"

namespace portico::core {

class Server {
 public:
  explicit Server(ServerOptions options) : options_(std::move(options)) {}
  // Returns the process exit code: 0 after a clean stop, 1 when nothing could start.
  int run();

 private:
  ServerOptions options_;
  // Every stats source of the process, scraped by /stats and /stats/prometheus.
  stats::StatsRegistry stats_;
};

}  // namespace portico::core
