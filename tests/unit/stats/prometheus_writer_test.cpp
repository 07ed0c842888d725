#include "portico/stats/prometheus_writer.h"

#include <gtest/gtest.h>

#include <array>

namespace portico::stats {
namespace {

using Pair = std::pair<std::string_view, std::string_view>;

TEST(PrometheusWriter, OneHelpAndTypePerFamilyAcrossSources) {
  PrometheusWriter w;
  std::array<Pair, 1> a{{{"cluster_name", "a"}}};
  std::array<Pair, 1> b{{{"cluster_name", "b"}}};
  w.counter("rq_total", "Requests.", a, 3);
  w.gauge("cx_active", "Open connections.", {}, 2);
  w.counter("rq_total", "Requests.", b, 4);  // a second source, same family
  EXPECT_EQ(w.str(),
            "# HELP rq_total Requests.\n"
            "# TYPE rq_total counter\n"
            "rq_total{cluster_name=\"a\"} 3\n"
            "rq_total{cluster_name=\"b\"} 4\n"
            "# HELP cx_active Open connections.\n"
            "# TYPE cx_active gauge\n"
            "cx_active 2\n");
}

TEST(PrometheusWriter, EscapesLabelValuesAndHelp) {
  PrometheusWriter w;
  std::array<Pair, 2> labels{{{"path", "a\"b\\c\nd"}, {"x", ""}}};
  w.gauge("g", "line one\nback\\slash", labels, 0.25);
  EXPECT_EQ(w.str(),
            "# HELP g line one\\nback\\\\slash\n"
            "# TYPE g gauge\n"
            "g{path=\"a\\\"b\\\\c\\nd\",x=\"\"} 0.25\n");
}

TEST(PrometheusWriter, HistogramHasCumulativeBucketsInfSumAndCount) {
  PrometheusWriter w;
  std::array<double, 3> bounds{0.5, 10, 3600000};
  std::array<uint64_t, 3> counts{1, 3, 3};
  std::array<Pair, 1> labels{{{"response_code", "200"}}};
  w.histogram("d_ms", "Duration.", labels, HistogramView{bounds, counts, 4, 7000012.5});
  EXPECT_EQ(w.str(),
            "# HELP d_ms Duration.\n"
            "# TYPE d_ms histogram\n"
            "d_ms_bucket{response_code=\"200\",le=\"0.5\"} 1\n"
            "d_ms_bucket{response_code=\"200\",le=\"10\"} 3\n"
            "d_ms_bucket{response_code=\"200\",le=\"3600000\"} 3\n"
            "d_ms_bucket{response_code=\"200\",le=\"+Inf\"} 4\n"
            "d_ms_sum{response_code=\"200\"} 7000012.5\n"
            "d_ms_count{response_code=\"200\"} 4\n");
}

TEST(PrometheusWriter, HistogramWithoutLabels) {
  PrometheusWriter w;
  std::array<double, 1> bounds{1};
  std::array<uint64_t, 1> counts{0};
  w.histogram("h", "H.", {}, HistogramView{bounds, counts, 0, 0});
  EXPECT_EQ(w.str(),
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
            "h_sum 0\nh_count 0\n");
}

TEST(PrometheusWriter, NumbersReadBack) {
  std::string out;
  PrometheusWriter::appendNumber(out, 1e20);
  out.push_back(' ');
  PrometheusWriter::appendNumber(out, -3);
  out.push_back(' ');
  PrometheusWriter::appendNumber(out, 1.0 / 0.0);
  out.push_back(' ');
  PrometheusWriter::appendNumber(out, 0.1);
  EXPECT_EQ(out, "1e+20 -3 +Inf 0.1");
}

}  // namespace
}  // namespace portico::stats
