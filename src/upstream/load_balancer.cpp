#include "portico/upstream/load_balancer.h"

#include <algorithm>

namespace portico::upstream {

std::shared_ptr<Host> LoadBalancer::choose(const std::vector<std::shared_ptr<Host>>& hosts,
                                           const std::vector<const Host*>& excluded,
                                           std::mt19937& rng) {
  if (hosts.empty()) return nullptr;
  // Candidates: hosts not yet tried, or all of them when every host was tried.
  std::vector<const std::shared_ptr<Host>*> candidates;
  candidates.reserve(hosts.size());
  for (const auto& h : hosts) {
    if (std::find(excluded.begin(), excluded.end(), h.get()) == excluded.end()) {
      candidates.push_back(&h);
    }
  }
  if (candidates.empty()) {
    for (const auto& h : hosts) candidates.push_back(&h);
  }
  const std::size_t n = candidates.size();
  switch (policy_) {
    case ClusterConfig::LbPolicy::kRoundRobin:
      return *candidates[next_++ % n];
    case ClusterConfig::LbPolicy::kRandom:
      return *candidates[rng() % n];
    case ClusterConfig::LbPolicy::kLeastRequest:
    default: {
      if (n == 1) return *candidates[0];
      const auto& a = *candidates[rng() % n];
      const auto& b = *candidates[rng() % n];
      return b->activeRequests < a->activeRequests ? b : a;
    }
  }
}

}  // namespace portico::upstream
