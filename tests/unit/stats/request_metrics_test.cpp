#include "portico/stats/request_metrics.h"

#include <gtest/gtest.h>

#include "portico/stats/gateway_stats.h"
#include "portico/stats/plain_writer.h"
#include "portico/stats/prometheus_writer.h"

namespace portico::stats {
namespace {

RequestSample ok200(double ms) {
  RequestSample s;
  s.responseCode = 200;
  s.clusterName = "outbound|8080|v1|reviews.default.svc.cluster.local";
  s.host = "reviews.default.svc.cluster.local";
  s.subset = "v1";
  s.durationMs = ms;
  s.requestBytes = 0;
  s.responseBytes = 150;
  return s;
}

TEST(RequestMetrics, IstioLabelsForARoutedRequest) {
  RequestMetrics m;
  m.record(ok200(3));
  m.record(ok200(7));
  PlainWriter w("istio_requests_total");
  m.write(w);
  EXPECT_EQ(w.str(),
            "istio_requests_total{reporter=\"source\",destination_service=\"reviews.default.svc."
            "cluster.local\",destination_service_name=\"reviews\",destination_service_namespace="
            "\"default\",destination_version=\"v1\",request_protocol=\"http\",response_code="
            "\"200\",response_flags=\"-\",source_workload=\"portico\"}: 2\n");
}

TEST(RequestMetrics, NoRouteIsUnknownDestination) {
  RequestMetrics m;
  RequestSample s;
  s.responseCode = 404;
  s.responseFlags = "NR";
  m.record(s);
  PlainWriter w("istio_requests_total");
  m.write(w);
  EXPECT_EQ(w.str(),
            "istio_requests_total{reporter=\"source\",destination_service=\"unknown\","
            "destination_service_name=\"unknown\",destination_service_namespace=\"unknown\","
            "destination_version=\"unknown\",request_protocol=\"http\",response_code=\"404\","
            "response_flags=\"NR\",source_workload=\"portico\"}: 1\n");
}

TEST(RequestMetrics, DurationBucketsAndMergeAcrossWorkers) {
  RequestMetrics a, b;
  a.record(ok200(0.4));      // <= 0.5
  b.record(ok200(7));        // <= 10
  b.record(ok200(4000000));  // above every bound: +Inf only
  a.merge(b);
  EXPECT_EQ(a.seriesCount(), 1u);
  PrometheusWriter w;
  a.write(w);
  std::string text = w.str();
  auto line = [&](std::string_view le) {
    std::string needle = std::string("le=\"") + std::string(le) + "\"} ";
    auto pos = text.find(needle);  // the duration family comes first
    if (pos == std::string::npos) return std::string();
    auto end = text.find('\n', pos);
    return text.substr(pos + needle.size(), end - pos - needle.size());
  };
  EXPECT_EQ(line("0.5"), "1");
  EXPECT_EQ(line("5"), "1");
  EXPECT_EQ(line("10"), "2");
  EXPECT_EQ(line("3600000"), "2");
  EXPECT_EQ(line("+Inf"), "3");
  EXPECT_NE(text.find("# TYPE istio_request_duration_milliseconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE istio_response_bytes histogram\n"), std::string::npos);
  EXPECT_NE(text.find("istio_response_bytes_sum{"), std::string::npos);
}

TEST(RequestMetrics, SeriesAreCappedPerWorker) {
  RequestMetrics m;
  RequestSample s;
  std::string cluster;
  for (std::size_t i = 0; i < RequestMetrics::kMaxSeries + 5; ++i) {
    cluster = "c" + std::to_string(i);
    s.clusterName = cluster;
    s.host = cluster;
    s.responseCode = 200;
    m.record(s);
  }
  EXPECT_EQ(m.seriesCount(), RequestMetrics::kMaxSeries);
  EXPECT_EQ(m.overflow(), 5u);
}

TEST(RequestMetrics, ServiceNameAndNamespaceFromHost) {
  EXPECT_EQ(RequestMetrics::serviceNameAndNamespace("reviews.prod.svc.cluster.local"),
            std::make_pair(std::string("reviews"), std::string("prod")));
  EXPECT_EQ(RequestMetrics::serviceNameAndNamespace("api.example.com"),
            std::make_pair(std::string("api.example.com"), std::string("unknown")));
}

TEST(GatewayStats, ClustersTextIsEnvoyShaped) {
  GatewayStats a, b;
  a.clusters["outbound|80||app"]["127.0.0.1:9000"] = UpstreamHostStats{1, 2, 0, 1, 0, 3, 0, 1};
  b.clusters["outbound|80||app"]["127.0.0.1:9000"] = UpstreamHostStats{0, 1, 1, 0, 0, 1, 0, 1};
  a.merge(b);
  EXPECT_EQ(a.clustersText(),
            "outbound|80||app::127.0.0.1:9000::cx_active::1\n"
            "outbound|80||app::127.0.0.1:9000::cx_connect_fail::1\n"
            "outbound|80||app::127.0.0.1:9000::cx_total::3\n"
            "outbound|80||app::127.0.0.1:9000::rq_active::0\n"
            "outbound|80||app::127.0.0.1:9000::rq_total::4\n"
            "outbound|80||app::127.0.0.1:9000::weight::1\n"
            "outbound|80||app::127.0.0.1:9000::health_flags::healthy\n");
}

}  // namespace
}  // namespace portico::stats
