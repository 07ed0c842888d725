// Renders a scrape as Prometheus text exposition format 0.0.4 for /stats/prometheus.
// Samples are grouped by family, families in first-seen order, so that a family written
// by several sources (one per worker, say) still gets exactly one # HELP / # TYPE block,
// as the format requires. One writer per scrape; owned by the admin handler.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "portico/stats/stats_writer.h"

namespace portico::stats {

class PrometheusWriter final : public StatsWriter {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  void counter(std::string_view name, std::string_view help, Labels labels,
               uint64_t value) override;
  void gauge(std::string_view name, std::string_view help, Labels labels, double value) override;
  void histogram(std::string_view name, std::string_view help, Labels labels,
                 const HistogramView& histogram) override;

  // The whole exposition, families in first-seen order.
  std::string str() const;

  // Exposed for tests and for PlainWriter: `"` `\` and newline escaped as the format says.
  static void appendEscapedLabelValue(std::string& out, std::string_view value);
  // Shortest text that reads back as `value`; integers without exponent; NaN, +Inf, -Inf.
  static void appendNumber(std::string& out, double value);

 private:
  struct Family {
    std::string name;
    std::string help;
    std::string_view type;
    std::string samples;
  };
  // A sample line `name{labels[,extra]} value` (extra: le="..." for buckets).
  static void appendSeries(std::string& out, std::string_view name, Labels labels,
                           std::string_view extraName = {}, std::string_view extraValue = {});
  Family& family(std::string_view name, std::string_view help, std::string_view type);

  std::vector<Family> families_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace portico::stats
