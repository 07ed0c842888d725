#include "portico/core/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "portico/admin/admin_server.h"
#include "portico/config/config_set.h"
#include "portico/core/access_log.h"
#include "portico/core/snapshot_store.h"
#include "portico/core/worker.h"
#include "portico/ratelimit/snapshot_rate_limits.h"
#include "portico/route/snapshot_compiler.h"

namespace portico::core {
namespace asio = boost::asio;

namespace {

void printDiagnostics(const config::Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.items()) std::cerr << d.format() << "\n";
}

// Polls the workers until their connections are gone or the drain time is up.
void waitForDrain(asio::io_context& context, std::vector<std::unique_ptr<Worker>>& workers,
                  std::chrono::steady_clock::time_point until) {
  auto timer = std::make_shared<asio::steady_timer>(context);
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [&context, &workers, until, timer, weak = std::weak_ptr(poll)] {
    std::size_t open = 0;
    for (auto& w : workers) open += w->connectionCount();
    if (open == 0 || std::chrono::steady_clock::now() >= until) {
      if (open > 0) spdlog::warn("drain time over with {} connections open", open);
      context.stop();
      return;
    }
    timer->expires_after(std::chrono::milliseconds(50));
    timer->async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto p = weak.lock()) (*p)();
    });
  };
  (*poll)();
  // Keep the poller alive until the context stops.
  context.run();
}

}  // namespace

int Server::run() {
  config::LoadOptions loadOptions;
  loadOptions.strict = options_.strict;
  auto configSet =
      std::make_shared<config::ConfigSet>(config::loadConfig(options_.configPaths, loadOptions));
  printDiagnostics(configSet->diagnostics);
  if (configSet->diagnostics.hasErrors()) {
    std::cerr << "portico: configuration has errors; not starting\n";
    return 1;
  }
  route::CompileOptions compileOptions;
  compileOptions.gatewayLabels = options_.gatewayLabels;
  config::Diagnostics compileDiagnostics;
  route::SnapshotPtr snapshot =
      route::compileSnapshot(configSet, compileOptions, compileDiagnostics);
  // Rate limiting: the policies join the snapshot before it is published; the registry
  // outlives every snapshot and carries bucket state over for unchanged limits.
  if (snapshot) {
    // The snapshot was just built non-const and nothing else holds it yet.
    ratelimit::attachRateLimits(*std::const_pointer_cast<route::Snapshot>(snapshot), *configSet,
                                rateLimits_, compileDiagnostics);
  }
  printDiagnostics(compileDiagnostics);
  if (!snapshot || compileDiagnostics.hasErrors() ||
      (options_.strict && compileDiagnostics.warningCount() > 0)) {
    std::cerr << "portico: configuration could not be compiled; not starting\n";
    return 1;
  }
  if (snapshot->listeners.empty()) {
    spdlog::warn("no Gateway selects labels of this proxy: no listener opened");
  }

  AccessLog accessLog(options_.accessLog);
  if (!accessLog.ok()) {
    std::cerr << "portico: cannot open access log " << options_.accessLog << "\n";
    return 1;
  }
  SnapshotStore store(snapshot);

  asio::io_context mainContext(1);
  admin::AdminServer adminServer(mainContext);
  {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.adminAddress, ec);
    if (!ec) ec = adminServer.listen(asio::ip::tcp::endpoint(address, options_.adminPort));
    if (ec) {
      std::cerr << "portico: cannot listen on admin address " << options_.adminAddress << ":"
                << options_.adminPort << ": " << ec.message() << "\n";
      return 1;
    }
  }

  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < options_.concurrency; ++i) {
    auto worker = std::make_unique<Worker>(i, store, options_, accessLog,
                                           &rateLimits_.redisMetrics());
    std::string error;
    if (!worker->listen(*snapshot, error)) {
      std::cerr << "portico: " << error << "\n";
      return 1;
    }
    workers.push_back(std::move(worker));
  }

  asio::signal_set signals(mainContext, SIGINT, SIGTERM);
  std::signal(SIGPIPE, SIG_IGN);
  bool stopping = false;
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    stopping = true;
    spdlog::info("signal {}: draining for up to {}s", sig, options_.drainTime.count());
    adminServer.setState(admin::AdminServer::State::kDraining);
    for (auto& w : workers) w->drain();
    mainContext.stop();
  });

  for (auto& w : workers) w->start();
  adminServer.start();
  adminServer.setState(admin::AdminServer::State::kLive);
  for (const auto& [port, listener] : snapshot->listeners) {
    spdlog::info("listening on {}:{} ({} workers)",
                 listener.bind.empty() ? options_.bindAddress : listener.bind, port,
                 options_.concurrency);
  }
  spdlog::info("admin on {}:{}", options_.adminAddress, options_.adminPort);

  mainContext.run();
  if (stopping) {
    mainContext.restart();
    waitForDrain(mainContext, workers, std::chrono::steady_clock::now() + options_.drainTime);
  }
  adminServer.close();
  for (auto& w : workers) w->stop();
  for (auto& w : workers) w->join();
  workers.clear();
  spdlog::info("stopped");
  return 0;
}

}  // namespace portico::core
