// Part of the SnapshotCompiler: names the upstream cluster of each route destination and
// builds the ClusterConfigs, one per (FQDN, port, subset), from ServiceEntries (endpoints)
// and DestinationRules (subsets and traffic policy, Istio's precedence and merge rules).
// Lives only for one compile.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "portico/config/config_set.h"
#include "portico/route/snapshot_compiler.h"
#include "portico/upstream/cluster_config.h"

namespace portico::route {

class ClusterBuilder {
 public:
  ClusterBuilder(const config::ConfigSet& config, const CompileOptions& options,
                 config::Diagnostics& diagnostics);

  // "outbound|<port>|<subset>|<fqdn>" for a destination written in `owner` (whose namespace
  // expands short names); remembers it so that build() creates the cluster when it can.
  // `field` names the destination in diagnostics ("spec.http[0].route[1].destination").
  std::string clusterFor(const config::Destination& destination, const config::ResourceMeta& owner,
                         const std::string& field);

  // Whether the cluster named by clusterFor() hashes requests to endpoints (DestinationRule
  // consistentHash): Istio then stops avoiding previously tried hosts on retry by default.
  bool usesConsistentHash(const std::string& clusterName);

  // Every ServiceEntry host x port x (no subset + each DestinationRule subset), plus the
  // DNS clusters of destinations no ServiceEntry describes.
  std::map<std::string, upstream::ClusterConfig, std::less<>> build();

  static std::string clusterName(uint32_t port, std::string_view subset, std::string_view fqdn);

 private:
  // The DestinationRules that apply to one host, merged.
  struct MergedRule {
    const config::TrafficPolicy* policy = nullptr;  // first DR that has one
    std::vector<const config::Subset*> subsets;     // union, first definition wins
  };
  struct Wanted {
    std::string fqdn;
    uint32_t port;
    std::string subset;
    const config::ResourceMeta* owner;
    std::string field;
    config::Mark mark;
  };

  const config::ServiceEntry* serviceEntryFor(const std::string& fqdn) const;
  const MergedRule* ruleFor(const std::string& fqdn);
  // Nullopt (with a warning when `wanted` is set) when the cluster cannot exist.
  std::optional<upstream::ClusterConfig> makeCluster(const std::string& fqdn, uint32_t port,
                                                     const std::string& subset,
                                                     const Wanted* wanted);
  void warn(const Wanted& wanted, std::string message);

  const config::ConfigSet& config_;
  const CompileOptions& options_;
  config::Diagnostics& diagnostics_;
  std::unordered_map<std::string, const config::ServiceEntry*> serviceEntries_;
  std::unordered_map<std::string, std::vector<const config::DestinationRule*>> exactRules_;
  // "*.example.com" rules by ".example.com"; "*" by "".
  std::unordered_map<std::string, std::vector<const config::DestinationRule*>> wildcardRules_;
  std::unordered_map<std::string, MergedRule> mergedRules_;  // by fqdn, memoised
  std::vector<Wanted> wanted_;
  std::unordered_map<std::string, std::size_t> wantedNames_;  // cluster name -> wanted_ index
};

}  // namespace portico::route
