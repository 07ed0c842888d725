#include "portico/upstream/outlier_detector.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>

#include "portico/upstream/cluster.h"

namespace portico::upstream {
namespace {

using Clock = OutlierDetector::Clock;
using LocalFailure = OutlierDetector::LocalFailure;
using std::chrono::milliseconds;
using std::chrono::seconds;

OutlierDetector::Hosts makeHosts(int n) {
  OutlierDetector::Hosts hosts;
  for (int i = 0; i < n; ++i) {
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"),
                                      static_cast<uint16_t>(9000 + i));
    hosts.push_back(std::make_shared<Host>(ep, 1, 4, seconds(60)));
  }
  return hosts;
}

config::OutlierDetection allowAll() {
  config::OutlierDetection c;
  c.maxEjectionPercent = 100;
  return c;
}

class OutlierDetectorTest : public ::testing::Test {
 protected:
  void statuses(OutlierDetector& d, Host& h, std::initializer_list<unsigned> codes) {
    for (unsigned code : codes) d.reportStatus(h, code, hosts, now);
  }
  OutlierDetector::Hosts hosts = makeHosts(2);
  Clock::time_point now = Clock::now();
};

TEST_F(OutlierDetectorTest, FiveConsecutive5xxEjectByDefault) {
  OutlierDetector d(allowAll());
  statuses(d, *hosts[0], {500, 503, 500, 502});
  EXPECT_FALSE(hosts[0]->outlier.ejected);
  statuses(d, *hosts[0], {501});
  EXPECT_TRUE(hosts[0]->outlier.ejected);
  EXPECT_FALSE(hosts[1]->outlier.ejected);
  EXPECT_EQ(d.ejectionsEnforced(), 1u);
  EXPECT_EQ(hosts[0]->outlier.ejectionsEnforced, 1u);
  EXPECT_EQ(OutlierDetector::ejectedCount(hosts), 1u);
}

TEST_F(OutlierDetectorTest, ASuccessResetsTheCount) {
  OutlierDetector d(allowAll());
  statuses(d, *hosts[0], {500, 500, 500, 500, 404, 500, 500, 500, 500});
  EXPECT_FALSE(hosts[0]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, ZeroConsecutive5xxDisables) {
  auto c = allowAll();
  c.consecutive5xxErrors = 0;
  OutlierDetector d(c);
  for (int i = 0; i < 50; ++i) d.reportStatus(*hosts[0], 503, hosts, now);
  for (int i = 0; i < 50; ++i) d.reportLocalFailure(*hosts[0], LocalFailure::kReset, hosts, now);
  EXPECT_FALSE(hosts[0]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, GatewayErrorsHaveTheirOwnCount) {
  auto c = allowAll();
  c.consecutiveGatewayErrors = 2;
  OutlierDetector d(c);
  statuses(d, *hosts[0], {502, 500, 504});  // a non-gateway 5xx breaks the gateway run
  EXPECT_FALSE(hosts[0]->outlier.ejected);
  statuses(d, *hosts[1], {503, 504});
  EXPECT_TRUE(hosts[1]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, LocalOriginFailuresCountAs5xxWithoutSplit) {
  OutlierDetector d(allowAll());
  for (int i = 0; i < 4; ++i) {
    d.reportLocalFailure(*hosts[0], LocalFailure::kConnectFailed, hosts, now);
  }
  EXPECT_FALSE(hosts[0]->outlier.ejected);
  d.reportStatus(*hosts[0], 503, hosts, now);
  EXPECT_TRUE(hosts[0]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, TimeoutsAreGatewayErrorsWithoutSplit) {
  auto c = allowAll();
  c.consecutiveGatewayErrors = 2;
  OutlierDetector d(c);
  d.reportLocalFailure(*hosts[0], LocalFailure::kTimeout, hosts, now);
  d.reportLocalFailure(*hosts[0], LocalFailure::kTimeout, hosts, now);
  EXPECT_TRUE(hosts[0]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, SplitCountsLocalOriginFailuresSeparately) {
  auto c = allowAll();
  c.consecutive5xxErrors = 2;
  c.splitExternalLocalOriginErrors = true;  // consecutiveLocalOriginFailures: Envoy's 5
  OutlierDetector d(c);
  for (int i = 0; i < 4; ++i) d.reportLocalFailure(*hosts[0], LocalFailure::kReset, hosts, now);
  EXPECT_FALSE(hosts[0]->outlier.ejected) << "local-origin failures are not 5xx when split";
  d.reportStatus(*hosts[0], 200, hosts, now);  // an answer: the connection worked
  for (int i = 0; i < 4; ++i) d.reportLocalFailure(*hosts[0], LocalFailure::kReset, hosts, now);
  EXPECT_FALSE(hosts[0]->outlier.ejected);
  d.reportLocalFailure(*hosts[0], LocalFailure::kTimeout, hosts, now);
  EXPECT_TRUE(hosts[0]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, ConsecutiveLocalOriginFailuresWhenSplit) {
  auto c = allowAll();
  c.splitExternalLocalOriginErrors = true;
  c.consecutiveLocalOriginFailures = 2;
  OutlierDetector d(c);
  d.reportLocalFailure(*hosts[0], LocalFailure::kConnectFailed, hosts, now);
  d.reportLocalFailure(*hosts[0], LocalFailure::kConnectFailed, hosts, now);
  EXPECT_TRUE(hosts[0]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, EjectionTimeIsBaseTimesEjections) {
  auto c = allowAll();
  c.consecutive5xxErrors = 1;
  c.baseEjectionTime = seconds(2);
  c.interval = seconds(10);
  OutlierDetector d(c);
  d.reportStatus(*hosts[0], 500, hosts, now);
  d.restoreDue(hosts, now + milliseconds(1999));
  EXPECT_TRUE(hosts[0]->outlier.ejected);
  d.restoreDue(hosts, now + seconds(2));
  EXPECT_FALSE(hosts[0]->outlier.ejected);
  // Ejected again soon after: twice the base.
  auto second = now + milliseconds(2500);
  d.reportStatus(*hosts[0], 500, hosts, second);
  EXPECT_TRUE(hosts[0]->outlier.ejected);
  d.restoreDue(hosts, second + milliseconds(3999));
  EXPECT_TRUE(hosts[0]->outlier.ejected);
  d.restoreDue(hosts, second + seconds(4));
  EXPECT_FALSE(hosts[0]->outlier.ejected);
  EXPECT_EQ(d.ejectionsEnforced(), 2u);
}

TEST_F(OutlierDetectorTest, MultiplierDecaysWhileTheHostStaysHealthy) {
  auto c = allowAll();
  c.consecutive5xxErrors = 1;
  c.baseEjectionTime = seconds(1);
  c.interval = seconds(1);
  OutlierDetector d(c);
  Clock::time_point t = now;
  for (int i = 1; i <= 3; ++i) {  // ejected for 1s, 2s, 3s
    d.reportStatus(*hosts[0], 500, hosts, t);
    t += seconds(i);
    d.restoreDue(hosts, t);
    ASSERT_FALSE(hosts[0]->outlier.ejected);
  }
  // Healthy for base + 1 interval: two decrements (3 -> 1), the next ejection is 2s.
  t += seconds(2);
  d.reportStatus(*hosts[0], 500, hosts, t);
  d.restoreDue(hosts, t + milliseconds(1999));
  EXPECT_TRUE(hosts[0]->outlier.ejected);
  d.restoreDue(hosts, t + seconds(2));
  EXPECT_FALSE(hosts[0]->outlier.ejected);
}

TEST_F(OutlierDetectorTest, EjectionTimeIsCappedAtEnvoysMaxEjectionTime) {
  auto c = allowAll();
  c.consecutive5xxErrors = 1;
  c.baseEjectionTime = seconds(200);
  OutlierDetector d(c);
  d.reportStatus(*hosts[0], 500, hosts, now);
  d.restoreDue(hosts, now + seconds(200));
  d.reportStatus(*hosts[0], 500, hosts, now + seconds(201));
  EXPECT_EQ(hosts[0]->outlier.ejectedFor, Clock::duration(seconds(300)));
}

TEST_F(OutlierDetectorTest, DefaultTenPercentEjectsNothingInASmallCluster) {
  config::OutlierDetection c;  // maxEjectionPercent 10: (0 + 1) / 2 hosts is 50%
  OutlierDetector d(c);
  statuses(d, *hosts[0], {500, 500, 500, 500, 500});
  EXPECT_FALSE(hosts[0]->outlier.ejected);
  EXPECT_EQ(d.ejectionsOverflow(), 1u);
  EXPECT_EQ(d.ejectionsEnforced(), 0u);
}

TEST_F(OutlierDetectorTest, MaxEjectionPercentLimitsTheShare) {
  auto many = makeHosts(4);
  auto c = allowAll();
  c.consecutive5xxErrors = 1;
  c.maxEjectionPercent = 50;
  OutlierDetector d(c);
  for (auto& h : many) d.reportStatus(*h, 500, many, now);
  EXPECT_EQ(OutlierDetector::ejectedCount(many), 2u);
  EXPECT_EQ(d.ejectionsOverflow(), 2u);
}

TEST_F(OutlierDetectorTest, ZeroMaxEjectionPercentMeansEnvoysTen) {
  auto ten = makeHosts(10);
  auto c = allowAll();
  c.consecutive5xxErrors = 1;
  c.maxEjectionPercent = 0;
  OutlierDetector d(c);
  for (auto& h : ten) d.reportStatus(*h, 500, ten, now);
  EXPECT_EQ(OutlierDetector::ejectedCount(ten), 1u);
}

TEST_F(OutlierDetectorTest, PanicBelowMinHealthPercent) {
  auto c = allowAll();
  c.consecutive5xxErrors = 1;
  c.minHealthPercent = 60;
  OutlierDetector d(c);
  EXPECT_FALSE(d.panic(hosts));
  d.reportStatus(*hosts[0], 500, hosts, now);
  EXPECT_TRUE(d.panic(hosts)) << "1 of 2 healthy is 50% < 60%";
}

// The cluster's balancer skips ejected hosts, unless in panic.
ClusterConfig staticCluster(config::OutlierDetection od) {
  ClusterConfig config;
  config.name = "outbound|80||svc";
  config.discovery = ClusterConfig::Discovery::kStatic;
  config.lbPolicy = ClusterConfig::LbPolicy::kRoundRobin;
  for (uint16_t port : {9000, 9001}) {
    EndpointConfig ep;
    ep.address = "127.0.0.1";
    ep.port = port;
    config.endpoints.push_back(ep);
  }
  config.outlierDetection = od;
  return config;
}

std::set<std::string> picks(Cluster& cluster, std::mt19937& rng) {
  std::set<std::string> seen;
  for (int i = 0; i < 10; ++i) {
    auto h = cluster.chooseHost({}, rng);
    seen.insert(h ? h->address : "none");
  }
  return seen;
}

TEST(ClusterOutlierDetection, BalancerSkipsEjectedHosts) {
  boost::asio::io_context io;
  auto od = allowAll();
  od.consecutive5xxErrors = 2;
  Cluster cluster(io.get_executor(), staticCluster(od));
  std::mt19937 rng(1);
  Host& bad = *cluster.hosts()[0];
  cluster.reportStatus(bad, 503);
  EXPECT_EQ(picks(cluster, rng), (std::set<std::string>{"127.0.0.1:9000", "127.0.0.1:9001"}));
  cluster.reportStatus(bad, 503);
  EXPECT_EQ(picks(cluster, rng), (std::set<std::string>{"127.0.0.1:9001"}));
  // Both ejected, no panic threshold: no healthy upstream.
  cluster.reportLocalFailure(*cluster.hosts()[1], LocalFailure::kConnectFailed);
  cluster.reportLocalFailure(*cluster.hosts()[1], LocalFailure::kConnectFailed);
  EXPECT_EQ(picks(cluster, rng), (std::set<std::string>{"none"}));
}

TEST(ClusterOutlierDetection, PanicUsesEveryHost) {
  boost::asio::io_context io;
  auto od = allowAll();
  od.consecutive5xxErrors = 1;
  od.minHealthPercent = 51;
  Cluster cluster(io.get_executor(), staticCluster(od));
  std::mt19937 rng(1);
  cluster.reportStatus(*cluster.hosts()[0], 500);
  EXPECT_TRUE(cluster.hosts()[0]->outlier.ejected);
  EXPECT_EQ(picks(cluster, rng), (std::set<std::string>{"127.0.0.1:9000", "127.0.0.1:9001"}));
}

TEST(ClusterOutlierDetection, WithoutOutlierDetectionNothingIsEjected) {
  boost::asio::io_context io;
  auto config = staticCluster({});
  config.outlierDetection.reset();
  Cluster cluster(io.get_executor(), config);
  std::mt19937 rng(1);
  for (int i = 0; i < 20; ++i) cluster.reportStatus(*cluster.hosts()[0], 503);
  EXPECT_FALSE(cluster.hosts()[0]->outlier.ejected);
  EXPECT_EQ(cluster.outlierDetector(), nullptr);
  EXPECT_EQ(picks(cluster, rng), (std::set<std::string>{"127.0.0.1:9000", "127.0.0.1:9001"}));
}

}  // namespace
}  // namespace portico::upstream
