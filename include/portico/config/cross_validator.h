// Checks between resources, run once every document of a ConfigSet is parsed: references
// that name something not loaded. Missing RateLimitConfig targets are errors (the limit
// would silently never apply); a VirtualService naming an absent Gateway and a destination
// subset no DestinationRule defines are warnings, as Istio's analyzers report them (the
// latter becomes a 503 at run time).
#pragma once

#include "portico/config/config_set.h"

namespace portico::config {

void crossValidate(ConfigSet& set);

}  // namespace portico::config
