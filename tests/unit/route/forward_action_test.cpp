#include <gtest/gtest.h>

#include <random>

#include "portico/route/route.h"

namespace portico::route {
namespace {

ForwardAction split(std::vector<uint32_t> weights) {
  ForwardAction a;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    a.clusters.push_back(WeightedCluster{"c" + std::to_string(i), weights[i], {}, {}, {}});
    a.totalWeight += weights[i];
  }
  return a;
}

TEST(ForwardActionTest, PickFollowsCumulativeWeights) {
  ForwardAction a = split({90, 10});
  EXPECT_EQ(a.pick(0).clusterName, "c0");
  EXPECT_EQ(a.pick(89).clusterName, "c0");
  EXPECT_EQ(a.pick(90).clusterName, "c1");
  EXPECT_EQ(a.pick(99).clusterName, "c1");
}

TEST(ForwardActionTest, NinetyTenOverManyPicks) {
  ForwardAction a = split({90, 10});
  std::mt19937 rng(42);
  int second = 0;
  constexpr int kPicks = 100000;
  for (int i = 0; i < kPicks; ++i) {
    std::uniform_int_distribution<uint32_t> d(0, a.totalWeight - 1);
    if (a.pick(d(rng)).clusterName == "c1") ++second;
  }
  EXPECT_NEAR(second / double(kPicks), 0.10, 0.01);
}

TEST(ForwardActionTest, RelativeWeightsNeedNotSumTo100) {
  ForwardAction a = split({1, 3});
  int counts[2] = {0, 0};
  for (uint32_t r = 0; r < a.totalWeight * 1000; ++r)
    ++counts[a.pick(r % a.totalWeight).clusterName == "c1"];
  EXPECT_EQ(counts[1], 3 * counts[0]);
}

}  // namespace
}  // namespace portico::route
