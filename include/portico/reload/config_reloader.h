// Runs reloads one at a time: a trigger (file change, SIGHUP, POST /reload) starts a build
// on a thread of its own, so neither the workers nor the admin endpoint wait for YAML
// parsing and compilation; the result comes back to the main thread, which either keeps
// the running snapshot (any error: each diagnostic logged with file:line:column, the
// failure counted) or hands the new one to `apply`. Triggers that arrive during a build
// coalesce into one more build after it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "portico/reload/snapshot_builder.h"
#include "portico/route/snapshot.h"
#include "portico/stats/stats_writer.h"

namespace portico::reload {

struct ReloadStatus {
  uint64_t attempts = 0;  // builds finished, good or bad (config_reload_total)
  uint64_t failures = 0;  // builds or applies that left the old snapshot serving
  std::string version;    // of the snapshot serving now
  std::chrono::system_clock::time_point lastSuccess{};  // load time of the serving snapshot
  std::chrono::system_clock::time_point lastFailure{};
  std::string lastError;  // every diagnostic of the last failed reload; empty after a success
  std::chrono::microseconds lastLoadTime{0};
  std::chrono::microseconds lastCompileTime{0};
};

class ConfigReloader {
 public:
  using Builder = std::function<BuildResult()>;  // runs on the build thread
  // Main thread; false (with a message) when the snapshot could not be put in service,
  // e.g. a new port that cannot be bound. Must publish nothing in that case.
  using Applier = std::function<bool(const route::SnapshotPtr&, std::string& error)>;

  ConfigReloader(boost::asio::io_context& main, Builder build, Applier apply);
  ~ConfigReloader();
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  // The snapshot the process started with.
  void setInitial(const route::SnapshotPtr& snapshot);
  // Main thread. `reason` is logged ("file change", "SIGHUP", "admin").
  void request(std::string reason);
  // Main thread: called after every reload, good or bad (the watcher re-reads its paths:
  // a ConfigMap swap or a new directory changes what exists).
  void onFinished(std::function<void()> callback) { onFinished_ = std::move(callback); }

  // Main thread (the admin endpoint runs there).
  const ReloadStatus& status() const { return status_; }
  const route::SnapshotPtr& current() const { return current_; }
  void writeStats(stats::StatsWriter& writer) const;

 private:
  void start();
  void finish(BuildResult result);

  boost::asio::io_context& main_;
  Builder build_;
  Applier apply_;
  std::function<void()> onFinished_;
  boost::asio::thread_pool buildThread_{1};
  route::SnapshotPtr current_;
  ReloadStatus status_;
  std::string reason_;
  bool building_ = false;
  bool pending_ = false;
  bool stopped_ = false;
};

}  // namespace portico::reload
