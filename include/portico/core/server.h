// The daemon: builds the first snapshot, binds every worker's listeners and the admin
// listener, then runs the main thread's io_context, which owns everything that is not the
// request path: signals (SIGTERM/SIGINT drain and stop, SIGHUP reloads), the config
// watcher, reloads (built on a thread of their own, applied here) and the admin endpoint.
// main() only parses flags into ServerOptions.
#pragma once

#include <memory>
#include <string>

#include "portico/core/server_options.h"
#include "portico/ratelimit/rate_limit_registry.h"
#include "portico/reload/snapshot_builder.h"
#include "portico/route/snapshot.h"
#include "portico/stats/stats_registry.h"

namespace portico::core {

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  // Returns the process exit code: 0 after a clean stop, 1 when nothing could start.
  int run();

  // Rate-limit state and stats of the process (admin /stats reads limitStats() and
  // redisMetrics(); both are thread-safe). Lives as long as the Server, across reloads.
  ratelimit::RateLimitRegistry& rateLimits() { return rateLimits_; }

 private:
  struct Runtime;

  bool start();
  void registerAdminPages();
  void watchConfig();
  // Main thread: binds the ports `next` adds, then publishes it to every worker, which
  // stops accepting on the ports it removed. Nothing changes when a port cannot be bound.
  bool apply(const route::SnapshotPtr& next, std::string& error);
  void beginDrain(std::string_view why);
  // The steps after compiling that need process state: rate-limit policies bound to the
  // bucket registry, TLS contexts reusing the serving snapshot's.
  reload::SnapshotDecorator snapshotDecorator();

  ServerOptions options_;
  // Every stats source of the process, scraped by /stats and /stats/prometheus.
  stats::StatsRegistry stats_;
  // Bucket state survives reloads here; the workers' Redis limiters report into it.
  ratelimit::RateLimitRegistry rateLimits_;
  std::unique_ptr<Runtime> rt_;
};

}  // namespace portico::core
