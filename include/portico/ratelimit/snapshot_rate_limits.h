// The one step that puts rate limiting into a freshly compiled snapshot: compiles the
// RateLimitConfigs of the config set through the process's RateLimitRegistry and stores the
// result in Snapshot::rateLimits. Called by whoever builds snapshots (the server at start,
// the reload pipeline on every reload), after compileSnapshot() and before the snapshot is
// published; the registry carries bucket state and counters over for unchanged limits.
#pragma once

#include "portico/config/config_set.h"
#include "portico/config/diagnostic.h"
#include "portico/route/snapshot.h"

namespace portico::ratelimit {

class RateLimitRegistry;

// Sets `snapshot.rateLimits` (null when `set` has no RateLimitConfig, so the filter skips
// the stream at once). A target that exists but that no listener of this snapshot serves
// gets a warning in `diagnostics`: its limits can never apply here. Not thread-safe with
// respect to `snapshot` (it must not be published yet); the registry locks itself.
void attachRateLimits(route::Snapshot& snapshot, const config::ConfigSet& set,
                      RateLimitRegistry& registry, config::Diagnostics& diagnostics);

}  // namespace portico::ratelimit
