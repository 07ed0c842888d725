#include "portico/admin/gateway_admin.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/url/pct_string_view.hpp>
#include <csignal>

#include "portico/core/access_log.h"
#include "portico/core/worker.h"
#include "portico/stats/plain_writer.h"
#include "portico/stats/prometheus_writer.h"

namespace portico::admin {
namespace {

// The decoded value of `key` in a raw query string, or nullopt. The pairs are split here:
// iterating boost::urls::parse_query() in Boost 1.81 read values past the end of the view
// ("level=error" came back as "errorx=1A" after an earlier, longer query).
std::optional<std::string> queryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    std::string_view name = pair.substr(0, pair.find('='));
    if (name != key) continue;
    if (name.size() == pair.size()) return std::string();
    std::string_view raw = pair.substr(name.size() + 1);
    auto encoded = boost::urls::make_pct_string_view(raw);
    if (!encoded) return std::string(raw);
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    return encoded->decode(opts);
  }
  return std::nullopt;
}

AdminResponse loggingPage(const AdminRequest& request) {
  AdminResponse response;
  auto level = queryParam(request.query, "level");
  if (level) {
    if (request.method != "POST") {
      response.status = 405;
      response.body = "This command requires POST.\n";
      return response;
    }
    auto parsed = spdlog::level::from_str(*level);
    if (parsed == spdlog::level::off && *level != "off") {
      response.status = 400;
      response.body = "unknown level " + *level + "\n";
    } else {
      spdlog::set_level(parsed);
      spdlog::info("admin: log level set to {}", *level);
    }
  }
  auto current = spdlog::get_level();
  auto name = spdlog::level::to_string_view(current);
  response.body += "active loggers:\n  portico: " + std::string(name.data(), name.size()) + "\n";
  response.body += "levels: trace debug info warning error critical off\n";
  response.body += "change with: POST /logging?level=<level>\n";
  return response;
}

}  // namespace

stats::GatewayStats collectGatewayStats(const std::vector<std::unique_ptr<core::Worker>>& workers) {
  stats::GatewayStats total;
  for (const auto& worker : workers) {
    if (auto s = worker->collectStats(kWorkerScrapeTimeout)) {
      total.merge(*s);
    } else {
      spdlog::warn("stats: worker {} did not answer the scrape in time", worker->id());
    }
  }
  return total;
}

void installGatewayAdmin(AdminServer& server, stats::StatsRegistry& registry,
                         std::vector<std::unique_ptr<core::Worker>>& workers,
                         core::AccessLog& accessLog) {
  registry.add([&workers](stats::StatsWriter& w) { collectGatewayStats(workers).write(w); });
  registry.add([&accessLog](stats::StatsWriter& w) {
    w.counter("portico_access_log_written_total", "Access-log lines written.", {},
              accessLog.written());
    w.counter("portico_access_log_dropped_total",
              "Access-log lines dropped because the writer fell behind.", {}, accessLog.dropped());
  });
  // Rate-limit decisions and TLS handshakes are registered by core::Server, which owns the
  // rate-limit registry and the snapshots that carry the TLS contexts.

  server.addHandler("/stats", "counters and gauges, `name{labels}: value` (?filter=text)",
                    [&registry](const AdminRequest& request) {
                      AdminResponse response;
                      if (queryParam(request.query, "format") == "prometheus") {
                        stats::PrometheusWriter writer;
                        registry.collect(writer);
                        response.contentType = stats::PrometheusWriter::kContentType;
                        response.body = writer.str();
                        return response;
                      }
                      stats::PlainWriter writer(queryParam(request.query, "filter").value_or(""));
                      registry.collect(writer);
                      response.body = writer.str();
                      return response;
                    });
  server.addHandler("/stats/prometheus", "all stats in the Prometheus text format",
                    [&registry](const AdminRequest&) {
                      stats::PrometheusWriter writer;
                      registry.collect(writer);
                      AdminResponse response;
                      response.contentType = stats::PrometheusWriter::kContentType;
                      response.body = writer.str();
                      return response;
                    });
  server.addHandler("/clusters", "upstream clusters, each host with its health and counters",
                    [&workers](const AdminRequest&) {
                      AdminResponse response;
                      response.body = collectGatewayStats(workers).clustersText();
                      return response;
                    });
  server.addHandler("/logging", "log level: GET shows it, POST ?level=debug changes it",
                    loggingPage);
  server.addHandler(
      "/drain_listeners", "stop accepting connections; open ones are still served",
      [&server, &workers](const AdminRequest&) {
        server.setState(AdminServer::State::kDraining);
        for (auto& w : workers) w->stopAccepting();
        spdlog::info("admin: listeners drained");
        AdminResponse response;
        response.body = "OK\n";
        return response;
      },
      true);
  server.addHandler(
      "/quitquitquit", "exit gracefully (drain, as on SIGTERM)",
      [&server](const AdminRequest&) {
        // Answer first, then take SIGTERM's path, so the exit drains exactly as a signal does.
        auto timer = std::make_shared<boost::asio::steady_timer>(server.executor(),
                                                                 std::chrono::milliseconds(50));
        timer->async_wait([timer](boost::system::error_code ec) {
          if (!ec) std::raise(SIGTERM);
        });
        AdminResponse response;
        response.body = "OK\n";
        return response;
      },
      true);
}

}  // namespace portico::admin
