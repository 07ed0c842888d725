#include <cassert>

#include "portico/route/route.h"

namespace portico::route {

const WeightedCluster& ForwardAction::pick(uint32_t random) const {
  assert(!clusters.empty());
  // Destinations are few (usually one or two): a linear walk beats any table here.
  uint32_t value = totalWeight == 0 ? 0 : random % totalWeight;
  for (const auto& cluster : clusters) {
    if (value < cluster.weight) return cluster;
    value -= cluster.weight;
  }
  return clusters.back();
}

}  // namespace portico::route
