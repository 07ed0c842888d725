// What a filter's return value tells the chain (Envoy's FilterHeadersStatus, reduced).
#pragma once

namespace portico::filter {

enum class FilterStatus {
  kContinue,       // run the next filter
  kStopIteration,  // a local reply was sent, or the filter will have the chain resumed
};

}  // namespace portico::filter
