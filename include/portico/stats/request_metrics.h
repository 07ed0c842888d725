// Istio's standard request metrics (istio_requests_total, istio_request_duration_milliseconds,
// istio_request_bytes, istio_response_bytes) for one worker. The worker records every
// finished stream here with no lock and no atomic; a scrape copies each worker's instance
// on that worker's thread (Worker::collectStats) and merges the copies. Series are keyed
// by a bounded label tuple (response code, flags, protocol, destination cluster) and
// capped per worker: past the cap new tuples are counted in overflow() instead.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/stats/histogram.h"
#include "portico/stats/stats_writer.h"

namespace portico::stats {

struct RequestSample {
  unsigned responseCode = 0;
  std::string_view responseFlags;  // Envoy's flags, "" for none ("-" in the label)
  std::string_view protocol = "http";
  // The destination cluster (empty when no route matched): its name keys the series,
  // host and subset give destination_service and destination_version.
  std::string_view clusterName;
  std::string_view host;
  std::string_view subset;
  double durationMs = 0;
  uint64_t requestBytes = 0;
  uint64_t responseBytes = 0;
};

class RequestMetrics {
 public:
  static constexpr std::size_t kMaxSeries = 4096;
  // Istio's defaults: duration in ms, sizes as exponential buckets 1 .. 10^8 bytes.
  static constexpr std::array<double, 19> kDurationBounds = {
      0.5,  1,    5,     10,    25,    50,     100,    250,     500,    1000,
      2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};
  static constexpr std::array<double, 9> kSizeBounds = {1,      10,      100,      1000,     10000,
                                                        100000, 1000000, 10000000, 100000000};

  void record(const RequestSample& sample);
  void merge(const RequestMetrics& other);
  void write(StatsWriter& writer) const;
  std::size_t seriesCount() const { return series_.size(); }
  uint64_t overflow() const { return overflow_; }

  // destination_service_name / _namespace of a host: "reviews.default.svc.cluster.local"
  // gives {"reviews", "default"}; any other host gives {host, "unknown"}.
  static std::pair<std::string, std::string> serviceNameAndNamespace(std::string_view host);

 private:
  static constexpr std::size_t kLabelCount = 9;
  struct Series {
    std::array<std::string, kLabelCount> labelValues;
    uint64_t requests = 0;
    Histogram duration{kDurationBounds};
    Histogram requestBytes{kSizeBounds};
    Histogram responseBytes{kSizeBounds};
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static Series makeSeries(const RequestSample& sample);

  std::unordered_map<std::string, Series, KeyHash, std::equal_to<>> series_;
  std::string key_;  // scratch, reused so that a known tuple costs no allocation
  uint64_t overflow_ = 0;
};

}  // namespace portico::stats
