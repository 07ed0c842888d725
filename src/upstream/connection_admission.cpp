#include "portico/upstream/connection_admission.h"

namespace portico::upstream {

boost::asio::awaitable<ConnectionAdmission> admitHttp1Connection(
    CircuitBreaker& breaker, std::shared_ptr<Host> host, bool mayReuse,
    std::chrono::steady_clock::time_point deadline, std::function<bool()> abandoned) {
  using Outcome = ConnectionAdmission::Outcome;
  ConnectionAdmission admission;
  if (breaker.canOpenConnection(host->address)) {
    admission.slot = breaker.admitConnection(host->address);
    admission.outcome = Outcome::kOpen;
    co_return admission;
  }
  // As Envoy's pool: the pending limit is checked first; a request that may wait counts
  // once as a connection overflow (the connection it could not open).
  CircuitBreaker::Slot pending = breaker.admitPending();
  if (!pending) co_return admission;  // kOverflow
  ++breaker.counters.cxOverflow;
  for (;;) {
    const bool woken = co_await breaker.waitForConnection(deadline);
    if (abandoned()) {
      admission.outcome = Outcome::kAbandoned;
      co_return admission;
    }
    if (mayReuse) {
      if (auto idle = host->pool.takeIdle()) {
        admission.outcome = Outcome::kIdle;
        admission.idle = std::move(idle);
        co_return admission;
      }
    }
    // Re-checked quietly: only the first refusal counts as a connection overflow.
    if (breaker.canOpenConnection(host->address)) {
      admission.slot = breaker.admitConnection(host->address);
      admission.outcome = Outcome::kOpen;
      co_return admission;
    }
    if (!woken) {
      admission.outcome = Outcome::kTimeout;
      co_return admission;
    }
  }
}

}  // namespace portico::upstream
