// The daemon: loads and compiles the config, binds every worker's listeners and the admin
// listener, runs until SIGTERM/SIGINT, then drains (stop accepting, let requests in flight
// finish within the drain time) and stops. main() only parses flags into ServerOptions.
#pragma once

#include "portico/core/server_options.h"
#include "portico/ratelimit/rate_limit_registry.h"

namespace portico::core {

class Server {
 public:
  explicit Server(ServerOptions options) : options_(std::move(options)) {}
  // Returns the process exit code: 0 after a clean stop, 1 when nothing could start.
  int run();

  // Rate-limit state and stats of the process (admin /stats reads limitStats() and
  // redisMetrics(); both are thread-safe). Lives as long as the Server, across reloads.
  ratelimit::RateLimitRegistry& rateLimits() { return rateLimits_; }

 private:
  ServerOptions options_;
  ratelimit::RateLimitRegistry rateLimits_;
};

}  // namespace portico::core
