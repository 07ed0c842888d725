// Istio fault injection: delays the request (timer, via resumeAfter) and/or aborts it with
// a fixed status, each with its own percentage. A delayed request that is also aborted is
// aborted after the delay, as Envoy's fault filter does.
#pragma once

#include "portico/filter/filter.h"

namespace portico::filter {

class FaultFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;
  FilterStatus onResume(StreamContext& ctx) noexcept override;

 private:
  FilterStatus abort(StreamContext& ctx) noexcept;
  bool abortAfterDelay_ = false;
};

}  // namespace portico::filter
