// Helpers for the resource parser tests: run one spec parser over a YAML snippet and look at
// the diagnostics as "[warning: ]field: message" (positions are covered by the loader tests).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "portico/config/node_reader.h"

namespace portico::config::testing {

inline std::string text(const Diagnostic& d) {
  std::string out = d.severity == Severity::kWarning ? "warning: " : "";
  if (!d.field.empty()) out += d.field + ": ";
  return out + d.message;
}

inline std::vector<std::string> texts(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.items()) out.push_back(text(d));
  return out;
}

inline std::vector<std::string> errorTexts(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.items()) {
    if (d.severity == Severity::kError) out.push_back(text(d));
  }
  return out;
}

// Parses `yaml` as the spec of a resource of type T named `name` in namespace default.
template <typename T>
struct SpecFixture {
  Diagnostics diags;
  T parse(const std::string& yaml, void (*parser)(NodeReader&, T&), const std::string& kind,
          const std::string& name) {
    T out;
    out.meta.kind = kind;
    out.meta.name = name;
    ResourceContext ctx("test.yaml", out.meta.displayName(), diags);
    NodeReader reader(YAML::Load(yaml), "spec", ctx);
    parser(reader, out);
    return out;
  }
  std::vector<std::string> all() const { return texts(diags); }
  std::vector<std::string> errors() const { return errorTexts(diags); }
};

}  // namespace portico::config::testing
