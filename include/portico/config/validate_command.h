// `portico validate [--strict] PATH...`: loads the configuration as the daemon would, prints
// every diagnostic and a summary, and tells by its exit code whether the daemon would accept it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace portico::config {

// Returns 0 when there is no error (warnings allowed), 1 otherwise.
int runValidate(const std::vector<std::string>& paths, bool strict, std::ostream& out);

}  // namespace portico::config
