// What a stats source writes when the admin endpoint is scraped. Sources keep their own
// counters (per-worker or atomic, never a lock on the request path) and report them here
// only at scrape time; the writer renders `/stats` (plain `name: value` lines) or
// `/stats/prometheus` (text exposition format, one HELP/TYPE per family).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

namespace portico::stats {

// Label pairs, in a fixed order chosen by the source. Values must come from a bounded set
// (cluster names, response codes, flags), never from raw request data such as paths.
using Labels = std::span<const std::pair<std::string_view, std::string_view>>;

// Cumulative histogram buckets, Prometheus style: counts[i] observations <= bounds[i];
// observations above the last bound only show in `count`.
struct HistogramView {
  std::span<const double> bounds;
  std::span<const uint64_t> counts;
  uint64_t count = 0;
  double sum = 0;
};

class StatsWriter {
 public:
  virtual ~StatsWriter() = default;
  virtual void counter(std::string_view name, std::string_view help, Labels labels,
                       uint64_t value) = 0;
  virtual void gauge(std::string_view name, std::string_view help, Labels labels,
                     double value) = 0;
  virtual void histogram(std::string_view name, std::string_view help, Labels labels,
                         const HistogramView& histogram) = 0;
};

}  // namespace portico::stats
