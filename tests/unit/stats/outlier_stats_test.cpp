// Outlier detection in /clusters and /stats, after merging the workers' views.
#include <gtest/gtest.h>

#include "portico/stats/gateway_stats.h"
#include "portico/stats/plain_writer.h"

namespace portico::stats {
namespace {

GatewayStats worker(bool ejected, uint64_t enforced) {
  GatewayStats s;
  UpstreamHostStats& bad = s.clusters["outbound|80||app"]["127.0.0.1:9000"];
  bad.outlierEjected = ejected ? 1 : 0;
  bad.outlierEjectionsEnforced = enforced;
  s.clusters["outbound|80||app"]["127.0.0.1:9001"] = UpstreamHostStats{};
  return s;
}

TEST(OutlierStats, AHostEjectedByAnyWorkerShowsFailedOutlierCheck) {
  GatewayStats all = worker(false, 1);  // ejected once, since restored
  all.merge(worker(true, 2));
  const std::string text = all.clustersText();
  EXPECT_NE(text.find("outbound|80||app::127.0.0.1:9000::health_flags::/failed_outlier_check\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("outbound|80||app::127.0.0.1:9001::health_flags::healthy\n"),
            std::string::npos)
      << text;
}

TEST(OutlierStats, EjectionsActiveAndEnforcedPerCluster) {
  GatewayStats all = worker(true, 1);
  all.merge(worker(true, 2));
  PlainWriter w("outlier");
  all.write(w);
  EXPECT_EQ(w.str(),
            "envoy_cluster_outlier_detection_ejections_active{cluster_name=\"outbound|80||app\"}: 2\n"
            "envoy_cluster_outlier_detection_ejections_enforced_total{cluster_name=\"outbound|80||"
            "app\"}: 3\n");
}

}  // namespace
}  // namespace portico::stats
