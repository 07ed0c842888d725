#include "portico/stats/plain_writer.h"

#include <gtest/gtest.h>

#include <array>

namespace portico::stats {
namespace {

using Pair = std::pair<std::string_view, std::string_view>;

TEST(PlainWriter, SortedNameValueLinesWithLabels) {
  PlainWriter w;
  std::array<Pair, 2> labels{{{"response_code", "200"}, {"response_flags", "-"}}};
  std::array<double, 1> bounds{1};
  std::array<uint64_t, 1> counts{1};
  w.counter("istio_requests_total", "", labels, 3);
  w.gauge("envoy_http_downstream_cx_active", "", {}, 1);
  w.histogram("istio_request_bytes", "", labels, HistogramView{bounds, counts, 2, 12});
  EXPECT_EQ(w.str(),
            "envoy_http_downstream_cx_active: 1\n"
            "istio_request_bytes{response_code=\"200\",response_flags=\"-\"}: count=2 sum=12\n"
            "istio_requests_total{response_code=\"200\",response_flags=\"-\"}: 3\n");
}

TEST(PlainWriter, FilterKeepsMatchingSeries) {
  PlainWriter w("cluster_name=\"b\"");
  std::array<Pair, 1> a{{{"cluster_name", "a"}}};
  std::array<Pair, 1> b{{{"cluster_name", "b"}}};
  w.counter("rq", "", a, 1);
  w.counter("rq", "", b, 2);
  EXPECT_EQ(w.str(), "rq{cluster_name=\"b\"}: 2\n");
}

}  // namespace
}  // namespace portico::stats
