#include "portico/reload/config_reloader.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace portico::reload {
namespace asio = boost::asio;

namespace {

double seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

ConfigReloader::ConfigReloader(asio::io_context& main, Builder build, Applier apply)
    : main_(main), build_(std::move(build)), apply_(std::move(apply)) {}

ConfigReloader::~ConfigReloader() {
  stopped_ = true;
  buildThread_.join();
}

void ConfigReloader::setInitial(const route::SnapshotPtr& snapshot) {
  current_ = snapshot;
  status_.version = snapshot->version;
  status_.lastSuccess = snapshot->loadedAt;
}

void ConfigReloader::request(std::string reason) {
  if (building_) {
    pending_ = true;
    return;
  }
  reason_ = std::move(reason);
  start();
}

void ConfigReloader::start() {
  building_ = true;
  spdlog::info("reloading configuration ({})", reason_);
  asio::post(buildThread_, [this] {
    BuildResult result = build_();
    asio::post(main_, [this, result = std::move(result)]() mutable { finish(std::move(result)); });
  });
}

void ConfigReloader::finish(BuildResult result) {
  building_ = false;
  if (stopped_) return;
  ++status_.attempts;
  status_.lastLoadTime = result.loadTime;
  status_.lastCompileTime = result.compileTime;
  for (const auto& d : result.diagnostics.items()) {
    if (d.severity == config::Severity::kError) {
      spdlog::error("reload: {}", d.format());
    } else {
      spdlog::warn("reload: {}", d.format());
    }
  }
  std::string error;
  if (!result.ok()) {
    error = result.diagnostics.format();
  } else if (!apply_(result.snapshot, error)) {
    spdlog::error("reload: {}", error);
  } else {
    current_ = result.snapshot;
    status_.version = current_->version;
    status_.lastSuccess = current_->loadedAt;
    status_.lastError.clear();
    spdlog::info("configuration {} in service (load {} ms, compile {} ms)", status_.version,
                 result.loadTime.count() / 1000.0, result.compileTime.count() / 1000.0);
  }
  if (!error.empty()) {
    ++status_.failures;
    status_.lastFailure = std::chrono::system_clock::now();
    status_.lastError = std::move(error);
    spdlog::error("reload failed; configuration {} keeps serving", status_.version);
  }
  if (onFinished_) onFinished_();
  if (pending_) {
    pending_ = false;
    reason_ = "changes during the last reload";
    start();
  }
}

void ConfigReloader::writeStats(stats::StatsWriter& writer) const {
  writer.counter("config_reload_total", "Configuration reloads attempted (good and bad).", {},
                 status_.attempts);
  writer.counter("config_reload_failed_total",
                 "Reloads rejected: the previous configuration kept serving.", {},
                 status_.failures);
  std::pair<std::string_view, std::string_view> version[] = {{"version", status_.version}};
  writer.gauge("config_version_info", "The configuration serving now, by content hash.", version,
               1);
  writer.gauge("config_last_reload_success_timestamp_seconds",
               "Load time of the configuration serving now (Unix seconds).", {},
               seconds(status_.lastSuccess));
  writer.gauge("config_last_reload_failure_timestamp_seconds",
               "Time of the last rejected reload (Unix seconds; 0: none).", {},
               status_.failures ? seconds(status_.lastFailure) : 0);
  writer.gauge("config_last_reload_duration_seconds",
               "Load plus compile time of the last reload.", {},
               (status_.lastLoadTime + status_.lastCompileTime).count() / 1e6);
}

}  // namespace portico::reload
