// Renders a scrape for /stats: one `name{label="value",...}: value` line per series,
// sorted, Envoy's `name: value` shape with Prometheus-style labels so a series reads the
// same on both pages. A histogram is one line, `name{...}: count=N sum=S`, its buckets
// only on /stats/prometheus. An optional filter keeps the lines whose series name
// (labels included) contains it, like Envoy's /stats?filter=.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "portico/stats/stats_writer.h"

namespace portico::stats {

class PlainWriter final : public StatsWriter {
 public:
  explicit PlainWriter(std::string filter = {}) : filter_(std::move(filter)) {}

  void counter(std::string_view name, std::string_view help, Labels labels,
               uint64_t value) override;
  void gauge(std::string_view name, std::string_view help, Labels labels, double value) override;
  void histogram(std::string_view name, std::string_view help, Labels labels,
                 const HistogramView& histogram) override;

  // All lines, sorted, each ending in '\n'.
  std::string str() const;

 private:
  void add(std::string_view name, Labels labels, std::string value);

  std::string filter_;
  std::vector<std::string> lines_;
};

}  // namespace portico::stats
