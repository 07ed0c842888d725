// The whole config pipeline in one call: load and validate every -c path, compile the
// result into a Snapshot. The daemon runs it once at start-up and again, off the worker
// threads, on every reload; a result with errors is never published.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "portico/config/diagnostic.h"
#include "portico/core/server_options.h"
#include "portico/route/snapshot.h"

namespace portico::reload {

struct BuildResult {
  route::SnapshotPtr snapshot;       // null when the config has errors
  config::Diagnostics diagnostics;   // load, validation and compile findings, in order
  std::chrono::microseconds loadTime{0};
  std::chrono::microseconds compileTime{0};
  bool ok() const { return snapshot != nullptr; }
};

// Extra steps on a compiled snapshot before it is published (rate-limit policies bound to
// the process's bucket registry). Runs on the build thread; may add errors.
using SnapshotDecorator = std::function<void(route::Snapshot&, config::Diagnostics&)>;

BuildResult buildSnapshot(const core::ServerOptions& options,
                          const SnapshotDecorator& decorate = {});

}  // namespace portico::reload
