#include "portico/stats/request_metrics.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

namespace portico::stats {
namespace {

constexpr std::array<std::string_view, 9> kLabelNames = {"reporter",
                                                         "destination_service",
                                                         "destination_service_name",
                                                         "destination_service_namespace",
                                                         "destination_version",
                                                         "request_protocol",
                                                         "response_code",
                                                         "response_flags",
                                                         "source_workload"};

// The gateway reports as the source of the requests it sends, as Istio's gateways do.
constexpr std::string_view kReporter = "source";
constexpr std::string_view kSourceWorkload = "portico";
constexpr std::string_view kUnknown = "unknown";

}  // namespace

std::pair<std::string, std::string> RequestMetrics::serviceNameAndNamespace(std::string_view host) {
  auto first = host.find('.');
  if (first != std::string_view::npos) {
    auto second = host.find('.', first + 1);
    if (second != std::string_view::npos && host.substr(second).starts_with(".svc.")) {
      return {std::string(host.substr(0, first)),
              std::string(host.substr(first + 1, second - first - 1))};
    }
  }
  return {std::string(host), std::string(kUnknown)};
}

RequestMetrics::Series RequestMetrics::makeSeries(const RequestSample& s) {
  Series series;
  auto& v = series.labelValues;
  v[0] = kReporter;
  if (s.host.empty()) {
    v[1] = v[2] = v[3] = kUnknown;
  } else {
    v[1] = s.host;
    auto [name, ns] = serviceNameAndNamespace(s.host);
    v[2] = std::move(name);
    v[3] = std::move(ns);
  }
  v[4] = s.subset.empty() ? kUnknown : s.subset;
  v[5] = s.protocol;
  v[6] = std::to_string(s.responseCode);
  v[7] = s.responseFlags.empty() ? std::string_view("-") : s.responseFlags;
  v[8] = kSourceWorkload;
  return series;
}

void RequestMetrics::record(const RequestSample& s) {
  char code[8];
  auto end = std::to_chars(code, code + sizeof code, s.responseCode).ptr;
  key_.assign(code, end);
  key_.push_back('\x1f');
  key_.append(s.responseFlags).push_back('\x1f');
  key_.append(s.protocol).push_back('\x1f');
  key_.append(s.clusterName).push_back('\x1f');
  key_.append(s.host);
  auto it = series_.find(std::string_view(key_));
  if (it == series_.end()) {
    if (series_.size() >= kMaxSeries) {
      ++overflow_;
      return;
    }
    it = series_.emplace(key_, makeSeries(s)).first;
  }
  Series& series = it->second;
  ++series.requests;
  series.duration.observe(s.durationMs);
  series.requestBytes.observe(static_cast<double>(s.requestBytes));
  series.responseBytes.observe(static_cast<double>(s.responseBytes));
}

void RequestMetrics::merge(const RequestMetrics& other) {
  for (const auto& [key, theirs] : other.series_) {
    auto it = series_.find(std::string_view(key));
    if (it == series_.end()) {
      series_.emplace(key, theirs);
      continue;
    }
    Series& mine = it->second;
    mine.requests += theirs.requests;
    mine.duration.merge(theirs.duration);
    mine.requestBytes.merge(theirs.requestBytes);
    mine.responseBytes.merge(theirs.responseBytes);
  }
  overflow_ += other.overflow_;
}

void RequestMetrics::write(StatsWriter& writer) const {
  // Sorted by key so that a scrape reads the same from one run to the next.
  std::vector<const std::pair<const std::string, Series>*> sorted;
  sorted.reserve(series_.size());
  for (const auto& entry : series_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });

  std::array<std::pair<std::string_view, std::string_view>, kLabelCount> labels;
  std::vector<uint64_t> scratch;
  for (const auto* entry : sorted) {
    const Series& s = entry->second;
    for (std::size_t i = 0; i < kLabelCount; ++i) labels[i] = {kLabelNames[i], s.labelValues[i]};
    writer.counter("istio_requests_total", "Requests completed by the gateway.", labels,
                   s.requests);
  }
  for (const auto* entry : sorted) {
    const Series& s = entry->second;
    for (std::size_t i = 0; i < kLabelCount; ++i) labels[i] = {kLabelNames[i], s.labelValues[i]};
    writer.histogram("istio_request_duration_milliseconds",
                     "Time from the first request byte to the last response byte.", labels,
                     s.duration.view(scratch));
  }
  for (const auto* entry : sorted) {
    const Series& s = entry->second;
    for (std::size_t i = 0; i < kLabelCount; ++i) labels[i] = {kLabelNames[i], s.labelValues[i]};
    writer.histogram("istio_request_bytes", "Request body sizes in bytes.", labels,
                     s.requestBytes.view(scratch));
  }
  for (const auto* entry : sorted) {
    const Series& s = entry->second;
    for (std::size_t i = 0; i < kLabelCount; ++i) labels[i] = {kLabelNames[i], s.labelValues[i]};
    writer.histogram("istio_response_bytes", "Response body sizes in bytes.", labels,
                     s.responseBytes.view(scratch));
  }
  writer.counter("portico_request_metric_series_overflow_total",
                 "Requests not counted in istio_* series because a worker hit the series cap.", {},
                 overflow_);
}

}  // namespace portico::stats
