#include "portico/stats/prometheus_writer.h"

#include <charconv>
#include <cmath>

namespace portico::stats {

void PrometheusWriter::appendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
}

void PrometheusWriter::appendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[64];
  std::to_chars_result r;
  // Whole numbers below 2^53 print exactly, without an exponent (le="3600000", not 3.6e+06).
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, value);
  }
  out.append(buf, r.ptr);
}

void PrometheusWriter::appendSeries(std::string& out, std::string_view name, Labels labels,
                                    std::string_view extraName, std::string_view extraValue) {
  out.append(name);
  if (labels.empty() && extraName.empty()) return;
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out.append(k).append("=\"");
    appendEscapedLabelValue(out, v);
    out.push_back('"');
  }
  if (!extraName.empty()) {
    if (!first) out.push_back(',');
    out.append(extraName).append("=\"").append(extraValue).push_back('"');
  }
  out.push_back('}');
}

PrometheusWriter::Family& PrometheusWriter::family(std::string_view name, std::string_view help,
                                                   std::string_view type) {
  auto [it, inserted] = index_.try_emplace(std::string(name), families_.size());
  if (inserted) families_.push_back(Family{std::string(name), std::string(help), type, {}});
  return families_[it->second];
}

void PrometheusWriter::counter(std::string_view name, std::string_view help, Labels labels,
                               uint64_t value) {
  std::string& out = family(name, help, "counter").samples;
  appendSeries(out, name, labels);
  out.push_back(' ');
  out.append(std::to_string(value)).push_back('\n');
}

void PrometheusWriter::gauge(std::string_view name, std::string_view help, Labels labels,
                             double value) {
  std::string& out = family(name, help, "gauge").samples;
  appendSeries(out, name, labels);
  out.push_back(' ');
  appendNumber(out, value);
  out.push_back('\n');
}

void PrometheusWriter::histogram(std::string_view name, std::string_view help, Labels labels,
                                 const HistogramView& h) {
  std::string& out = family(name, help, "histogram").samples;
  std::string series(name);
  const std::size_t base = series.size();
  std::string le;
  for (std::size_t i = 0; i < h.bounds.size() && i < h.counts.size(); ++i) {
    le.clear();
    appendNumber(le, h.bounds[i]);
    series.resize(base);
    series.append("_bucket");
    appendSeries(out, series, labels, "le", le);
    out.push_back(' ');
    out.append(std::to_string(h.counts[i])).push_back('\n');
  }
  series.resize(base);
  series.append("_bucket");
  appendSeries(out, series, labels, "le", "+Inf");
  out.push_back(' ');
  out.append(std::to_string(h.count)).push_back('\n');
  series.resize(base);
  series.append("_sum");
  appendSeries(out, series, labels);
  out.push_back(' ');
  appendNumber(out, h.sum);
  out.push_back('\n');
  series.resize(base);
  series.append("_count");
  appendSeries(out, series, labels);
  out.push_back(' ');
  out.append(std::to_string(h.count)).push_back('\n');
}

std::string PrometheusWriter::str() const {
  std::string out;
  for (const Family& f : families_) {
    out.append("# HELP ").append(f.name).push_back(' ');
    // HELP text escapes only backslash and newline.
    for (char c : f.help) {
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '\n') {
        out.append("\\n");
      } else {
        out.push_back(c);
      }
    }
    out.push_back('\n');
    out.append("# TYPE ").append(f.name).push_back(' ');
    out.append(f.type).push_back('\n');
    out.append(f.samples);
  }
  return out;
}

}  // namespace portico::stats
