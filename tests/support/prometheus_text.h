// A strict reader of the Prometheus text exposition format 0.0.4 for tests (promtool is not
// installed): checks the syntax of every line, one HELP/TYPE per family before its samples,
// families not interleaved, no duplicate series, counters not negative, and histograms
// complete (ascending `le`, cumulative counts, a +Inf bucket equal to _count, _sum present).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromText {
  std::vector<std::string> errors;           // "line N: why"; empty when the text is valid
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::vector<PromSample> samples;

  // Sum of `name`'s samples whose labels include every pair of `match`.
  double sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  // Samples of `name` whose labels include every pair of `match`.
  std::vector<PromSample> select(const std::string& name,
                                 const std::map<std::string, std::string>& match = {}) const;
};

PromText parsePrometheusText(std::string_view text);

}  // namespace portico::testing
