#include "portico/filter/rate_limit_filter.h"

#include <chrono>

#include "portico/filter/match_input_of.h"
#include "portico/http/local_reply.h"
#include "portico/ratelimit/rate_limit_policy_set.h"
#include "portico/ratelimit/rate_limit_registry.h"

namespace portico::filter {
namespace {

// Combines per-policy decisions the way limits inside one policy combine.
void fold(ratelimit::RateLimitDecision& into, const ratelimit::RateLimitDecision& d) {
  if (!d.applied) return;
  bool take = !into.applied ||
              (!d.admitted && (into.admitted || d.retryAfterSeconds > into.retryAfterSeconds)) ||
              (d.admitted && into.admitted && d.remaining < into.remaining);
  bool admitted = into.admitted && d.admitted;
  bool failureMode = into.failureMode || d.failureMode;
  if (take) into = d;
  into.applied = true;
  into.admitted = admitted;
  into.failureMode = failureMode;
}

}  // namespace

RateLimitFilter::~RateLimitFilter() {
  if (pending_) pending_->ctx = nullptr;
}

FilterStatus RateLimitFilter::decodeHeaders(StreamContext& ctx) noexcept {
  const auto& set = ctx.snapshot().rateLimits;
  StreamState& state = ctx.state();
  if (!set || set->empty() || !state.route()) return FilterStatus::kContinue;

  // Policies for the route's VirtualService, then for the listener's Gateways (a policy
  // targeting both is asked once). No allocation on this path unless Redis must answer.
  const auto& byVirtualService = set->forVirtualService(state.route()->virtualService);
  const route::Listener* listener = ctx.snapshot().listener(state.listenerPort);
  bool anyGateway = false;
  if (listener) {
    for (const auto& server : listener->servers) {
      anyGateway = anyGateway || !set->forGateway(server.gateway).empty();
    }
  }
  if (byVirtualService.empty() && !anyGateway) return FilterStatus::kContinue;

  const http::RequestHead& request = ctx.request();
  const route::MatchInput input = matchInputOf(request, state);

  ratelimit::RateLimitDecision decision;
  std::shared_ptr<Pending> pending;  // only when some policy waits for Redis
  auto ask = [&](const std::shared_ptr<const ratelimit::RateLimitPolicy>& policy) {
    if (!policy->redis || redis_ == nullptr) {
      fold(decision, ratelimit::RateLimitRegistry::decide(*policy, input, clientAddress_,
                                                          ratelimit::steadyNowNanos()));
      return;
    }
    if (!pending) {
      pending = std::make_shared<Pending>();
      pending->ctx = &ctx;
      pending->outstanding = 1;  // held until every policy was asked
    }
    ++pending->outstanding;
    std::weak_ptr<Pending> weak = pending;
    auto sync = ratelimit::RateLimitRegistry::decide(
        policy, input, clientAddress_, redis_, [weak](const ratelimit::RateLimitDecision& d) {
          auto p = weak.lock();
          if (!p) return;
          fold(p->decision, d);
          if (--p->outstanding == 0 && p->ctx) {
            p->answered = true;
            p->ctx->resumeAfter(std::chrono::milliseconds(0));
          }
        });
    if (sync) {
      fold(decision, *sync);
      --pending->outstanding;
    }
  };
  for (const auto& policy : byVirtualService) ask(policy);
  if (anyGateway) {
    for (const auto& server : listener->servers) {
      for (const auto& policy : set->forGateway(server.gateway)) {
        bool seen = false;
        for (const auto& p : byVirtualService) seen = seen || p == policy;
        if (!seen) ask(policy);
      }
    }
  }
  if (!pending || --pending->outstanding == 0) {
    if (pending) fold(decision, pending->decision);
    return conclude(ctx, decision);
  }
  fold(pending->decision, decision);
  pending_ = std::move(pending);
  return FilterStatus::kStopIteration;
}

FilterStatus RateLimitFilter::onResume(StreamContext& ctx) noexcept {
  if (!pending_ || !pending_->answered) return FilterStatus::kContinue;
  auto decision = pending_->decision;
  pending_.reset();
  return conclude(ctx, decision);
}

FilterStatus RateLimitFilter::conclude(StreamContext& ctx,
                                       const ratelimit::RateLimitDecision& decision) {
  if (decision.admitted) {
    if (decision.applied) decision_ = decision;
    return FilterStatus::kContinue;
  }
  http::LocalReply reply = http::makeLocalReply(429, "Too Many Requests");
  decision.addHeaders(reply.head.headers);
  ctx.sendLocalReply(std::move(reply), "RL");  // Envoy's RATE_LIMITED response flag
  return FilterStatus::kStopIteration;
}

void RateLimitFilter::encodeHeaders(StreamContext&, http::ResponseHead& head) noexcept {
  if (decision_) decision_->addHeaders(head.headers);
}

void RateLimitFilter::onComplete(StreamContext&) noexcept {
  if (pending_) pending_->ctx = nullptr;
  pending_.reset();
}

}  // namespace portico::filter
