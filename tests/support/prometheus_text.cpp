#include "support/prometheus_text.h"

#include <re2/re2.h>

#include <cmath>
#include <cstdlib>
#include <set>

namespace portico::testing {
namespace {

const RE2& metricName() {
  static const RE2 re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return re;
}
const RE2& labelName() {
  static const RE2 re("[a-zA-Z_][a-zA-Z0-9_]*");
  return re;
}

bool parseValue(std::string_view text, double& out) {
  if (text == "+Inf" || text == "Inf") {
    out = INFINITY;
    return true;
  }
  if (text == "-Inf") {
    out = -INFINITY;
    return true;
  }
  if (text == "NaN") {
    out = NAN;
    return true;
  }
  std::string s(text);
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Parses `name{a="b",...} value [timestamp]`; returns an error text or "".
std::string parseSample(std::string_view line, PromSample& sample) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  sample.name = std::string(line.substr(0, i));
  if (!RE2::FullMatch(sample.name, metricName())) return "bad metric name '" + sample.name + "'";
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::size_t eq = line.find('=', i);
      if (eq == std::string_view::npos) return "label without '='";
      std::string name(line.substr(i, eq - i));
      if (!RE2::FullMatch(name, labelName())) return "bad label name '" + name + "'";
      i = eq + 1;
      if (i >= line.size() || line[i] != '"') return "label value not quoted";
      ++i;
      std::string value;
      for (;;) {
        if (i >= line.size()) return "unterminated label value";
        char c = line[i++];
        if (c == '"') break;
        if (c == '\n') return "raw newline in label value";
        if (c == '\\') {
          if (i >= line.size()) return "dangling escape";
          char e = line[i++];
          if (e == 'n') {
            value.push_back('\n');
          } else if (e == '\\' || e == '"') {
            value.push_back(e);
          } else {
            return std::string("bad escape \\") + e;
          }
        } else {
          value.push_back(c);
        }
      }
      if (!sample.labels.emplace(name, value).second) return "duplicate label " + name;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return "unterminated label set";
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return "no value";
  std::string_view rest = line.substr(i + 1);
  std::size_t space = rest.find(' ');
  if (!parseValue(rest.substr(0, space), sample.value)) return "bad value";
  if (space != std::string_view::npos) {
    double ts;
    if (!parseValue(rest.substr(space + 1), ts)) return "bad timestamp";
  }
  return "";
}

std::string familyOf(const std::string& sampleName,
                     const std::map<std::string, std::string>& types) {
  if (types.count(sampleName)) return sampleName;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sampleName.size() > suffix.size() && sampleName.ends_with(suffix)) {
      std::string base = sampleName.substr(0, sampleName.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return sampleName;
}

bool includes(const PromSample& s, const std::map<std::string, std::string>& match) {
  for (const auto& [k, v] : match) {
    auto it = s.labels.find(k);
    if (it == s.labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

double PromText::sum(const std::string& name,
                     const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& s : select(name, match)) total += s.value;
  return total;
}

std::vector<PromSample> PromText::select(const std::string& name,
                                         const std::map<std::string, std::string>& match) const {
  std::vector<PromSample> out;
  for (const auto& s : samples) {
    if (s.name == name && includes(s, match)) out.push_back(s);
  }
  return out;
}

PromText parsePrometheusText(std::string_view text) {
  PromText out;
  std::set<std::string> helped, closedFamilies, seenSeries;
  std::string currentFamily;
  int lineNo = 0;
  auto error = [&](const std::string& why) {
    out.errors.push_back("line " + std::to_string(lineNo) + ": " + why);
  };
  if (!text.empty() && text.back() != '\n') {
    out.errors.push_back("text does not end with a newline");
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (line.empty()) {
      error("empty line");
      continue;
    }
    auto enterFamily = [&](const std::string& family) {
      if (family == currentFamily) return;
      if (closedFamilies.count(family)) error("family " + family + " interleaved with another");
      if (!currentFamily.empty()) closedFamilies.insert(currentFamily);
      currentFamily = family;
    };
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::string_view rest = line.substr(7);
      std::size_t space = rest.find(' ');
      std::string name(rest.substr(0, space));
      if (!RE2::FullMatch(name, metricName())) error("bad family name '" + name + "'");
      enterFamily(name);
      if (line[2] == 'H') {
        if (!helped.insert(name).second) error("second HELP for " + name);
      } else {
        std::string type(space == std::string_view::npos ? "" : rest.substr(space + 1));
        static const std::set<std::string> kTypes{"counter", "gauge", "histogram", "summary",
                                                  "untyped"};
        if (!kTypes.count(type)) error("bad type '" + type + "'");
        if (out.types.count(name)) error("second TYPE for " + name);
        bool sampled = false;
        for (const auto& s : out.samples) sampled |= familyOf(s.name, out.types) == name;
        if (sampled) error("TYPE after samples of " + name);
        out.types[name] = type;
      }
      continue;
    }
    if (line.starts_with("#")) continue;  // other comments are allowed
    PromSample sample;
    std::string why = parseSample(line, sample);
    if (!why.empty()) {
      error(why);
      continue;
    }
    std::string family = familyOf(sample.name, out.types);
    enterFamily(family);
    std::string key = sample.name + "{";
    for (const auto& [k, v] : sample.labels) key += k + "=" + v + ",";
    if (!seenSeries.insert(key).second) error("duplicate series " + key);
    auto type = out.types.find(family);
    if (type != out.types.end() && type->second == "counter" && !(sample.value >= 0)) {
      error("negative counter " + sample.name);
    }
    if (type != out.types.end() && type->second == "histogram") {
      if (sample.name == family) error("histogram sample without suffix: " + sample.name);
      if (sample.name.ends_with("_bucket") && !sample.labels.count("le"))
        error("bucket without le");
    }
    out.samples.push_back(std::move(sample));
  }

  // Histograms: per label set (without le), ascending le, cumulative, +Inf == _count.
  for (const auto& [family, type] : out.types) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    for (const auto& s : out.samples) {
      if (s.name != family + "_bucket") continue;
      auto labels = s.labels;
      double le = 0;
      if (!parseValue(labels["le"], le)) {
        out.errors.push_back(family + ": bad le '" + labels["le"] + "'");
      }
      labels.erase("le");
      buckets[labels].emplace_back(le, s.value);
    }
    for (const auto& [labels, list] : buckets) {
      for (std::size_t i = 1; i < list.size(); ++i) {
        if (!(list[i].first > list[i - 1].first))
          out.errors.push_back(family + ": le not ascending");
        if (list[i].second < list[i - 1].second) out.errors.push_back(family + ": not cumulative");
      }
      if (list.empty() || !std::isinf(list.back().first)) {
        out.errors.push_back(family + ": no +Inf bucket");
        continue;
      }
      auto count = out.select(family + "_count", labels);
      auto sum = out.select(family + "_sum", labels);
      if (count.size() != 1 || sum.size() != 1) {
        out.errors.push_back(family + ": _count/_sum missing for a label set");
      } else if (count[0].value != list.back().second) {
        out.errors.push_back(family + ": +Inf bucket differs from _count");
      }
    }
  }
  return out;
}

}  // namespace portico::testing
