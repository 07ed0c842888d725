#include "portico/config/validate_command.h"

#include "portico/config/config_set.h"

namespace portico::config {

int runValidate(const std::vector<std::string>& paths, bool strict, std::ostream& out) {
  ConfigSet set = loadConfig(paths, LoadOptions{strict});
  out << set.diagnostics.format();
  const std::size_t resources = set.gateways.size() + set.virtualServices.size() +
                                set.destinationRules.size() + set.serviceEntries.size() +
                                set.rateLimitConfigs.size();
  auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  out << plural(set.sourceFiles.size(), "file") << ", " << plural(resources, "resource") << ": "
      << plural(set.diagnostics.errorCount(), "error") << ", "
      << plural(set.diagnostics.warningCount(), "warning") << "\n";
  return set.diagnostics.hasErrors() ? 1 : 0;
}

}  // namespace portico::config
