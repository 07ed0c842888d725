#include "portico/upstream/load_balancer.h"

#include <gtest/gtest.h>

#include <map>

namespace portico::upstream {
namespace {

std::vector<std::shared_ptr<Host>> makeHosts(int n) {
  std::vector<std::shared_ptr<Host>> hosts;
  for (int i = 0; i < n; ++i) {
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"),
                                      static_cast<uint16_t>(9000 + i));
    hosts.push_back(std::make_shared<Host>(ep, 1, 4, std::chrono::seconds(60)));
  }
  return hosts;
}

TEST(LoadBalancer, RoundRobinCyclesThroughHosts) {
  auto hosts = makeHosts(3);
  LoadBalancer lb(ClusterConfig::LbPolicy::kRoundRobin);
  std::mt19937 rng(1);
  std::vector<std::string> picked;
  for (int i = 0; i < 6; ++i) picked.push_back(lb.choose(hosts, {}, rng)->address);
  EXPECT_EQ(picked,
            (std::vector<std::string>{"127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002",
                                      "127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002"}));
}

TEST(LoadBalancer, LeastRequestPrefersTheLessBusyOfTwo) {
  auto hosts = makeHosts(2);
  hosts[0]->activeRequests = 10;
  LoadBalancer lb(ClusterConfig::LbPolicy::kLeastRequest);
  std::mt19937 rng(7);
  int idle = 0;
  for (int i = 0; i < 200; ++i) idle += lb.choose(hosts, {}, rng) == hosts[1];
  // P2C picks the busy host only when both samples land on it (about 1 in 4).
  EXPECT_GT(idle, 120);
  EXPECT_LT(idle, 200);
}

TEST(LoadBalancer, RandomSpreadsAndTriedHostsAreAvoided) {
  auto hosts = makeHosts(3);
  LoadBalancer lb(ClusterConfig::LbPolicy::kRandom);
  std::mt19937 rng(3);
  std::map<const Host*, int> counts;
  for (int i = 0; i < 300; ++i) counts[lb.choose(hosts, {}, rng).get()]++;
  EXPECT_EQ(counts.size(), 3u);

  std::vector<const Host*> tried{hosts[0].get(), hosts[2].get()};
  for (auto policy : {ClusterConfig::LbPolicy::kRandom, ClusterConfig::LbPolicy::kRoundRobin,
                      ClusterConfig::LbPolicy::kLeastRequest}) {
    LoadBalancer other(policy);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(other.choose(hosts, tried, rng), hosts[1]);
  }
  // Every host tried: any host rather than none.
  std::vector<const Host*> all{hosts[0].get(), hosts[1].get(), hosts[2].get()};
  EXPECT_NE(lb.choose(hosts, all, rng), nullptr);
  EXPECT_EQ(lb.choose({}, {}, rng), nullptr);
}

}  // namespace
}  // namespace portico::upstream
