#include "portico/reload/snapshot_builder.h"

#include "portico/config/config_set.h"
#include "portico/route/snapshot_compiler.h"

namespace portico::reload {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

}  // namespace

BuildResult buildSnapshot(const core::ServerOptions& options, const SnapshotDecorator& decorate) {
  BuildResult result;
  auto start = Clock::now();
  config::LoadOptions loadOptions;
  loadOptions.strict = options.strict;
  auto configSet =
      std::make_shared<config::ConfigSet>(config::loadConfig(options.configPaths, loadOptions));
  result.loadTime = since(start);
  result.diagnostics.append(configSet->diagnostics);
  if (configSet->diagnostics.hasErrors()) return result;

  start = Clock::now();
  route::CompileOptions compileOptions;
  compileOptions.gatewayLabels = options.gatewayLabels;
  config::Diagnostics compileDiagnostics;
  route::SnapshotPtr compiled = route::compileSnapshot(configSet, compileOptions, compileDiagnostics);
  if (options.strict) {
    for (auto d : compileDiagnostics.items()) {
      d.severity = config::Severity::kError;
      result.diagnostics.add(std::move(d));
    }
  } else {
    result.diagnostics.append(compileDiagnostics);
  }
  if (!compiled || result.diagnostics.hasErrors()) {
    result.compileTime = since(start);
    return result;
  }
  if (decorate) {
    // The compiler hands out a const snapshot; nobody else holds it yet.
    auto mutableSnapshot = std::const_pointer_cast<route::Snapshot>(compiled);
    config::Diagnostics decorated;
    decorate(*mutableSnapshot, decorated);
    for (auto d : decorated.items()) {
      if (options.strict) d.severity = config::Severity::kError;
      result.diagnostics.add(std::move(d));
    }
    if (result.diagnostics.hasErrors()) {
      result.compileTime = since(start);
      return result;
    }
  }
  result.compileTime = since(start);
  result.snapshot = std::move(compiled);
  return result;
}

}  // namespace portico::reload
