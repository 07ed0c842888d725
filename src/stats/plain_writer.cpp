#include "portico/stats/plain_writer.h"

#include <algorithm>

#include "portico/stats/prometheus_writer.h"

namespace portico::stats {

void PlainWriter::add(std::string_view name, Labels labels, std::string value) {
  std::string line(name);
  if (!labels.empty()) {
    line.push_back('{');
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) line.push_back(',');
      first = false;
      line.append(k).append("=\"");
      PrometheusWriter::appendEscapedLabelValue(line, v);
      line.push_back('"');
    }
    line.push_back('}');
  }
  if (!filter_.empty() && line.find(filter_) == std::string::npos) return;
  line.append(": ").append(value).push_back('\n');
  lines_.push_back(std::move(line));
}

void PlainWriter::counter(std::string_view name, std::string_view, Labels labels, uint64_t value) {
  add(name, labels, std::to_string(value));
}

void PlainWriter::gauge(std::string_view name, std::string_view, Labels labels, double value) {
  std::string text;
  PrometheusWriter::appendNumber(text, value);
  add(name, labels, std::move(text));
}

void PlainWriter::histogram(std::string_view name, std::string_view, Labels labels,
                            const HistogramView& h) {
  std::string text = "count=" + std::to_string(h.count) + " sum=";
  PrometheusWriter::appendNumber(text, h.sum);
  add(name, labels, std::move(text));
}

std::string PlainWriter::str() const {
  std::vector<const std::string*> sorted;
  sorted.reserve(lines_.size());
  for (const auto& l : lines_) sorted.push_back(&l);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return *a < *b; });
  std::string out;
  for (const auto* l : sorted) out.append(*l);
  return out;
}

}  // namespace portico::stats
