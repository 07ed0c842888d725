// GET /config_dump: the serving snapshot as JSON — its version (content hash), load time,
// source files, listeners, clusters and every resource as loaded (the YAML document turned
// into JSON) — plus the reload counters and the last reload error, if any.
#pragma once

#include <string>

#include "portico/reload/config_reloader.h"
#include "portico/route/snapshot.h"

namespace portico::reload {

std::string configDumpJson(const route::Snapshot& snapshot, const ReloadStatus& status);

}  // namespace portico::reload
