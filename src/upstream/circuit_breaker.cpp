#include "portico/upstream/circuit_breaker.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::upstream {
namespace asio = boost::asio;

CircuitBreaker::Slot& CircuitBreaker::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    breaker_ = std::move(other.breaker_);
    resource_ = other.resource_;
    host_ = std::move(other.host_);
    other.breaker_.reset();
  }
  return *this;
}

void CircuitBreaker::Slot::release() {
  if (!breaker_) return;
  std::shared_ptr<CircuitBreaker> breaker = std::move(breaker_);
  breaker_.reset();
  breaker->give(resource_, host_);
}

void CircuitBreaker::Slot::announceIdle() const {
  if (breaker_ && resource_ == Resource::kConnection) breaker_->wakeWaiters();
}

CircuitBreaker::Slot CircuitBreaker::admitRequest() {
  if (!below(requests_, limits_.maxRequests)) {
    ++counters.rqPendingOverflow;
    return {};
  }
  ++requests_;
  return Slot(shared_from_this(), Resource::kRequest, {});
}

CircuitBreaker::Slot CircuitBreaker::admitRetry() {
  if (!below(retries_, limits_.maxRetries)) {
    ++counters.retryOverflow;
    return {};
  }
  ++retries_;
  return Slot(shared_from_this(), Resource::kRetry, {});
}

CircuitBreaker::Slot CircuitBreaker::admitPending() {
  if (!below(pending_, limits_.maxPendingRequests)) {
    ++counters.rqPendingOverflow;
    return {};
  }
  ++pending_;
  return Slot(shared_from_this(), Resource::kPending, {});
}

bool CircuitBreaker::canOpenConnection(const std::string& host) const {
  if (below(connections_, limits_.maxConnections)) return true;
  auto it = hostConnections_.find(host);
  return it == hostConnections_.end() || it->second == 0;
}

CircuitBreaker::Slot CircuitBreaker::admitConnection(const std::string& host) {
  if (!canOpenConnection(host)) {
    ++counters.cxOverflow;
    return {};
  }
  ++connections_;
  ++hostConnections_[host];
  return Slot(shared_from_this(), Resource::kConnection, host);
}

void CircuitBreaker::give(Resource resource, const std::string& host) {
  switch (resource) {
    case Resource::kConnection: {
      --connections_;
      auto it = hostConnections_.find(host);
      if (it != hostConnections_.end() && --it->second == 0) hostConnections_.erase(it);
      wakeWaiters();
      break;
    }
    case Resource::kPending:
      --pending_;
      break;
    case Resource::kRequest:
      --requests_;
      break;
    case Resource::kRetry:
      --retries_;
      break;
  }
}

void CircuitBreaker::wakeWaiters() {
  // Cancelling completes each wait with operation_aborted; the waiters re-check.
  for (asio::steady_timer* timer : waiters_) timer->cancel();
}

asio::awaitable<bool> CircuitBreaker::waitForConnection(Clock::time_point deadline) {
  if (Clock::now() >= deadline) co_return false;
  asio::steady_timer timer(executor_, deadline);
  // Deregisters on every exit, a frame destroyed while suspended (shutdown) included.
  struct Registration {
    std::vector<asio::steady_timer*>& list;
    asio::steady_timer* timer;
    ~Registration() { std::erase(list, timer); }
  } registration{waiters_, &timer};
  waiters_.push_back(&timer);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return ec == asio::error::operation_aborted;
}

}  // namespace portico::upstream
