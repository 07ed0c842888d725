// Everything loaded from the -c paths: the typed resources in load order plus the
// diagnostics found while loading and validating them. Immutable once built.
#pragma once

#include <string>
#include <vector>

#include "portico/config/destination_rule.h"
#include "portico/config/diagnostic.h"
#include "portico/config/gateway.h"
#include "portico/config/rate_limit_config.h"
#include "portico/config/service_entry.h"
#include "portico/config/virtual_service.h"

namespace portico::config {

struct ConfigSet {
  std::vector<std::string> sourceFiles;  // every file read, in load order
  std::string contentHash;               // of their paths and bytes, in load order (hex)
  std::vector<Gateway> gateways;
  std::vector<VirtualService> virtualServices;
  std::vector<DestinationRule> destinationRules;
  std::vector<ServiceEntry> serviceEntries;
  std::vector<RateLimitConfig> rateLimitConfigs;
  Diagnostics diagnostics;
};

struct LoadOptions {
  bool strict = false;  // warnings become errors
};

// Loads, parses and validates every resource under `paths` (files or directories).
// Never throws: I/O and YAML errors become diagnostics. The result is usable only
// when !diagnostics.hasErrors().
ConfigSet loadConfig(const std::vector<std::string>& paths, const LoadOptions& options = {});

}  // namespace portico::config
