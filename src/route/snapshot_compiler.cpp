#include "portico/route/snapshot_compiler.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "portico/route/cluster_builder.h"
#include "portico/route/listener_builder.h"
#include "portico/route/route_builder.h"
#include "portico/config/content_hash.h"
#include "portico/route/string_matcher.h"

namespace portico::route {
namespace {

std::string contentVersion(const config::ConfigSet& config) {
  // Loaded from files: the hash of their bytes, taken when they were read (emitting every
  // resource again costs more than compiling 10,000 routes).
  if (!config.contentHash.empty()) return config.contentHash;
  std::vector<const config::ResourceMeta*> metas;
  for (const auto& r : config.gateways) metas.push_back(&r.meta);
  for (const auto& r : config.virtualServices) metas.push_back(&r.meta);
  for (const auto& r : config.destinationRules) metas.push_back(&r.meta);
  for (const auto& r : config.serviceEntries) metas.push_back(&r.meta);
  for (const auto& r : config.rateLimitConfigs) metas.push_back(&r.meta);
  std::stable_sort(metas.begin(), metas.end(),
                   [](const auto* a, const auto* b) { return a->order < b->order; });
  config::ContentHash hash;
  for (const auto* meta : metas) {
    hash.add(meta->kind);
    hash.add(meta->ns);
    hash.add(meta->name);
    if (meta->source) {
      YAML::Emitter out;
      out << meta->source;
      hash.add(std::string_view(out.c_str(), out.size()));
    }
  }
  return hash.hex();
}

}  // namespace

std::string expandHost(std::string_view host, std::string_view ns, std::string_view clusterDomain) {
  std::string out = toLowerAscii(host);
  if (out.find('.') != std::string::npos || out == "*" || out.empty()) return out;
  out.append(1, '.').append(ns).append(1, '.').append(clusterDomain);
  return out;
}

SnapshotPtr compileSnapshot(std::shared_ptr<const config::ConfigSet> config,
                            const CompileOptions& options, config::Diagnostics& diagnostics) {
  if (!config || config->diagnostics.hasErrors()) return nullptr;
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->version = contentVersion(*config);
  snapshot->loadedAt = std::chrono::system_clock::now();
  snapshot->sourceFiles = config->sourceFiles;

  ClusterBuilder clusters(*config, options, diagnostics);
  RouteBuilder routes(clusters, diagnostics);
  ListenerBuilder listeners(*config, options, routes, diagnostics);
  snapshot->listeners = listeners.build();
  snapshot->clusters = clusters.build();
  snapshot->config = std::move(config);
  return snapshot;
}

}  // namespace portico::route
