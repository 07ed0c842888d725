#include "portico/core/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <iostream>
#include <set>

#include "portico/admin/admin_server.h"
#include "portico/admin/gateway_admin.h"
#include "portico/core/access_log.h"
#include "portico/core/listener.h"
#include "portico/core/snapshot_store.h"
#include "portico/core/worker.h"
#include "portico/reload/config_dump.h"
#include "portico/reload/config_reloader.h"
#include "portico/reload/config_watcher.h"
#include "portico/reload/snapshot_builder.h"
#include "portico/reload/snapshot_reaper.h"
#include "portico/stats/gateway_stats.h"
#include "portico/stats/stats_registry.h"
#include "portico/tls/tls_listener_contexts.h"
#include "portico/ratelimit/snapshot_rate_limits.h"

namespace portico::core {
namespace asio = boost::asio;

namespace {

using ListenerKey = std::pair<std::string, uint16_t>;  // bind address, port

std::set<ListenerKey> listenerKeys(const route::Snapshot& snapshot, const ServerOptions& options) {
  std::set<ListenerKey> keys;
  for (const auto& [port, listener] : snapshot.listeners) {
    keys.emplace(listener.bind.empty() ? options.bindAddress : listener.bind, port);
  }
  return keys;
}

// Files outside the -c paths whose change must trigger a reload: certificates (and the
// directories of mounted secrets, whose `..data` swap is the change).
std::vector<std::string> certificatePaths(const route::Snapshot& snapshot) {
  std::vector<std::string> paths;
  if (!snapshot.tls) return paths;
  for (const auto& p : snapshot.tls->watchedPaths()) paths.push_back(p.string());
  return paths;
}

}  // namespace

// Declaration order is destruction order reversed: the workers go before the store and
// the access log they use, the reloader and the watcher first of all.
struct Server::Runtime {
  asio::io_context main{1};
  reload::SnapshotReaper reaper;  // outlives every snapshot below
  std::unique_ptr<AccessLog> accessLog;
  std::unique_ptr<SnapshotStore> store;
  std::unique_ptr<admin::AdminServer> admin;
  std::vector<std::unique_ptr<Worker>> workers;
  std::set<ListenerKey> listening;
  std::unique_ptr<reload::ConfigReloader> reloader;
  std::unique_ptr<reload::ConfigWatcher> watcher;
  asio::signal_set stopSignals{main, SIGINT, SIGTERM};
  asio::signal_set reloadSignals{main, SIGHUP};
  asio::signal_set reopenSignals{main, SIGUSR1};
  bool stopping = false;
};

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() = default;

bool Server::apply(const route::SnapshotPtr& next, std::string& error) {
  if (rt_->stopping) {
    error = "draining: configuration changes are not applied";
    return false;
  }
  std::set<ListenerKey> nextKeys = listenerKeys(*next, options_);
  std::vector<uint16_t> removedPorts;
  for (const auto& key : rt_->listening) {
    if (!nextKeys.count(key)) removedPorts.push_back(key.second);
  }
  // Bind every new port on every worker first: all or nothing.
  std::vector<std::vector<std::unique_ptr<Listener>>> opened(rt_->workers.size());
  for (const auto& [port, listener] : next->listeners) {
    ListenerKey key(listener.bind.empty() ? options_.bindAddress : listener.bind, port);
    if (rt_->listening.count(key)) continue;
    for (std::size_t i = 0; i < rt_->workers.size(); ++i) {
      auto l = rt_->workers[i]->openListener(listener, error);
      if (!l) return false;
      opened[i].push_back(std::move(l));
    }
  }
  rt_->store->publish(next);
  for (std::size_t i = 0; i < rt_->workers.size(); ++i) {
    rt_->workers[i]->apply(next, std::move(opened[i]), removedPorts);
    rt_->workers[i]->warmUpRateLimits(next);
  }
  for (const auto& key : nextKeys) {
    if (!rt_->listening.count(key)) {
      spdlog::info("listening on {}:{} ({} workers)", key.first, key.second, rt_->workers.size());
    }
  }
  for (uint16_t port : removedPorts) spdlog::info("port {} removed: draining its connections", port);
  rt_->listening = std::move(nextKeys);
  return true;
}

void Server::watchConfig() {
  std::string error;
  if (!rt_->watcher->watch(options_.configPaths, certificatePaths(*rt_->reloader->current()),
                           error)) {
    spdlog::warn("config files are not watched ({}); reload with SIGHUP or POST /reload", error);
  }
}

void Server::registerAdminPages() {
  admin::AdminServer& admin = *rt_->admin;
  admin.addHandler("/config_dump", "the serving configuration and the last reload error (JSON)",
                   [this](const admin::AdminRequest&) {
                     admin::AdminResponse r;
                     r.contentType = "application/json";
                     r.body = reload::configDumpJson(*rt_->reloader->current(),
                                                     rt_->reloader->status());
                     return r;
                   });
  admin.addHandler(
      "/reload", "reload the configuration now, as SIGHUP does (POST)",
      [this](const admin::AdminRequest&) {
        rt_->reloader->request("admin /reload");
        admin::AdminResponse r;
        r.status = 202;
        r.body = "reload started; see /config_dump and config_reload_* in /stats\n";
        return r;
      },
      /*mutating=*/true);
  stats_.add([this](stats::StatsWriter& w) { rt_->reloader->writeStats(w); });
  stats_.add([this](stats::StatsWriter& w) { stats::writeRateLimitStats(w, rateLimits_); });
  stats_.add([this](stats::StatsWriter& w) {
    // The serving snapshot's TLS ports (their counters carry over reloads).
    const route::SnapshotPtr& current = rt_->reloader->current();
    if (!current || !current->tls) return;
    for (const auto& [port, selector] : current->tls->selectors()) {
      if (selector) stats::writeTlsStats(w, port, selector->stats());
    }
  });
  admin::installGatewayAdmin(admin, stats_, rt_->workers, *rt_->accessLog);
}

void Server::beginDrain(std::string_view why) {
  if (rt_->stopping) return;
  rt_->stopping = true;
  spdlog::info("{}: draining for up to {}s", why, options_.drainTime.count());
  rt_->admin->setState(admin::AdminServer::State::kDraining);
  rt_->watcher->close();
  for (auto& w : rt_->workers) w->drain();
  rt_->main.stop();
}

reload::SnapshotDecorator Server::snapshotDecorator() {
  return [this](route::Snapshot& next, config::Diagnostics& diagnostics) {
    // Rate limits: the policies join the snapshot before it is published; the registry
    // outlives every snapshot and carries bucket state over for unchanged limits.
    if (next.config) ratelimit::attachRateLimits(next, *next.config, rateLimits_, diagnostics);
    // TLS: the SSL contexts of the snapshot's terminating servers (docs/tls.md), reusing the
    // serving snapshot's unchanged ones so their sessions keep resuming. A server whose
    // certificates do not load is left out (its SNI names fail the handshake); others serve.
    tls::TlsListenerContexts::Options tlsOptions;
    tlsOptions.credentialsDir = options_.credentialsDir;
    tlsOptions.http2 = true;  // h2 by ALPN, served by the same HTTP/2 codec as h2c
    route::SnapshotPtr current = rt_->reloader ? rt_->reloader->current() : nullptr;
    auto built = tls::TlsListenerContexts::attach(next, tlsOptions, current.get());
    for (const auto& e : built.errors) spdlog::error("tls: {}", e);
    for (const auto& w : built.warnings) spdlog::warn("tls: {}", w);
  };
}

bool Server::start() {
  reload::BuildResult first = reload::buildSnapshot(options_, snapshotDecorator());
  for (const auto& d : first.diagnostics.items()) std::cerr << d.format() << "\n";
  if (!first.ok()) {
    std::cerr << "portico: configuration has errors; not starting\n";
    return false;
  }
  route::SnapshotPtr snapshot = rt_->reaper.adopt(first.snapshot);
  first.snapshot.reset();
  if (snapshot->listeners.empty()) {
    spdlog::warn("no Gateway selects labels of this proxy: no listener opened");
  }

  rt_->accessLog = std::make_unique<AccessLog>(options_.accessLog, options_.accessLogFormat,
                                               options_.concurrency);
  if (!rt_->accessLog->ok()) {
    std::cerr << "portico: cannot open access log " << options_.accessLog << "\n";
    return false;
  }
  rt_->store = std::make_unique<SnapshotStore>(snapshot);

  rt_->admin = std::make_unique<admin::AdminServer>(rt_->main);
  {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.adminAddress, ec);
    if (!ec) ec = rt_->admin->listen(asio::ip::tcp::endpoint(address, options_.adminPort));
    if (ec) {
      std::cerr << "portico: cannot listen on admin address " << options_.adminAddress << ":"
                << options_.adminPort << ": " << ec.message() << "\n";
      return false;
    }
  }

  for (unsigned i = 0; i < options_.concurrency; ++i) {
    auto worker = std::make_unique<Worker>(i, *rt_->store, options_, *rt_->accessLog,
                                           &rateLimits_.redisMetrics());
    std::string error;
    if (!worker->listen(*snapshot, error)) {
      std::cerr << "portico: " << error << "\n";
      return false;
    }
    rt_->workers.push_back(std::move(worker));
  }
  rt_->listening = listenerKeys(*snapshot, options_);

  rt_->reloader = std::make_unique<reload::ConfigReloader>(
      rt_->main,
      [this] {
        reload::BuildResult r = reload::buildSnapshot(options_, snapshotDecorator());
        if (r.snapshot) r.snapshot = rt_->reaper.adopt(std::move(r.snapshot));
        return r;
      },
      [this](const route::SnapshotPtr& next, std::string& error) { return apply(next, error); });
  rt_->reloader->setInitial(snapshot);
  rt_->watcher = std::make_unique<reload::ConfigWatcher>(
      rt_->main, options_.reloadDebounce, [this] { rt_->reloader->request("file change"); });
  if (options_.watchConfig) rt_->reloader->onFinished([this] { watchConfig(); });
  if (options_.watchConfig) watchConfig();
  registerAdminPages();
  return true;
}

int Server::run() {
  rt_ = std::make_unique<Runtime>();
  std::signal(SIGPIPE, SIG_IGN);
  if (!start()) return 1;

  rt_->stopSignals.async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) beginDrain("signal " + std::to_string(sig));
  });
  std::function<void()> waitHup = [this, &waitHup] {
    rt_->reloadSignals.async_wait([this, &waitHup](boost::system::error_code ec, int) {
      if (ec) return;
      rt_->reloader->request("SIGHUP");
      waitHup();
    });
  };
  waitHup();
  std::function<void()> waitReopen = [this, &waitReopen] {
    rt_->reopenSignals.async_wait([this, &waitReopen](boost::system::error_code ec, int) {
      if (ec) return;
      rt_->accessLog->reopen();  // logrotate moved the file away
      waitReopen();
    });
  };
  waitReopen();

  for (auto& w : rt_->workers) w->start();
  rt_->admin->start();
  rt_->admin->setState(admin::AdminServer::State::kLive);
  for (const auto& [bind, port] : rt_->listening) {
    spdlog::info("listening on {}:{} ({} workers)", bind, port, options_.concurrency);
  }
  spdlog::info("admin on {}:{}", options_.adminAddress, options_.adminPort);

  rt_->main.run();
  if (rt_->stopping) {
    // Requests in flight get the drain time; the admin endpoint keeps answering meanwhile.
    rt_->main.restart();
    auto until = std::chrono::steady_clock::now() + options_.drainTime;
    asio::steady_timer timer(rt_->main);
    std::function<void()> poll = [&] {
      std::size_t open = 0;
      for (auto& w : rt_->workers) open += w->connectionCount();
      if (open == 0 || std::chrono::steady_clock::now() >= until) {
        if (open > 0) spdlog::warn("drain time over with {} connections open", open);
        rt_->main.stop();
        return;
      }
      timer.expires_after(std::chrono::milliseconds(50));
      timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) poll();
      });
    };
    poll();
    rt_->main.run();
  }
  rt_->admin->close();
  rt_->watcher->close();
  for (auto& w : rt_->workers) w->stop();
  for (auto& w : rt_->workers) w->join();
  rt_->reloader.reset();
  rt_->workers.clear();
  spdlog::info("stopped");
  return 0;
}

}  // namespace portico::core
