// The gateway's own admin pages and stats sources, installed by core::Server in one call:
// /stats, /stats/prometheus, /clusters, /logging, POST /drain_listeners and
// POST /quitquitquit, plus the stats sources for the workers (connections, upstream
// clusters, Istio request metrics) and the access log. Pages run on the admin thread; the
// worker data comes from Worker::collectStats (copied on each worker's own thread).
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "portico/admin/admin_server.h"
#include "portico/stats/gateway_stats.h"
#include "portico/stats/stats_registry.h"

namespace portico::core {
class AccessLog;
class Worker;
}  // namespace portico::core

namespace portico::admin {

// How long a scrape waits for one worker before reporting without it.
inline constexpr std::chrono::milliseconds kWorkerScrapeTimeout{1000};

// Every worker's stats, merged (a worker that does not answer in time is left out).
stats::GatewayStats collectGatewayStats(const std::vector<std::unique_ptr<core::Worker>>& workers);

// `workers`, `registry` and `accessLog` must outlive `server`'s handlers.
void installGatewayAdmin(AdminServer& server, stats::StatsRegistry& registry,
                         std::vector<std::unique_ptr<core::Worker>>& workers,
                         core::AccessLog& accessLog);

}  // namespace portico::admin
