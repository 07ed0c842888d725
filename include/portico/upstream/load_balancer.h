// Picks a host of a cluster: ROUND_ROBIN, LEAST_REQUEST (power of two choices, Envoy's
// default) or RANDOM. Hosts in `excluded` (already tried by this request) are avoided
// while another host remains.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "portico/upstream/cluster_config.h"
#include "portico/upstream/host.h"

namespace portico::upstream {

class LoadBalancer {
 public:
  explicit LoadBalancer(ClusterConfig::LbPolicy policy) : policy_(policy) {}

  std::shared_ptr<Host> choose(const std::vector<std::shared_ptr<Host>>& hosts,
                               const std::vector<const Host*>& excluded, std::mt19937& rng);

 private:
  ClusterConfig::LbPolicy policy_;
  std::size_t next_ = 0;
};

}  // namespace portico::upstream
