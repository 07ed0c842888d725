#include "portico/upstream/cluster_manager.h"

namespace portico::upstream {
namespace {

bool sameShape(const ClusterConfig& a, const ClusterConfig& b) {
  return a.endpoints == b.endpoints && a.port == b.port && a.discovery == b.discovery &&
         a.lbPolicy == b.lbPolicy && a.connectTimeout == b.connectTimeout &&
         a.idleTimeout == b.idleTimeout && a.maxConnections == b.maxConnections &&
         a.maxRequestsPerConnection == b.maxRequestsPerConnection;
}

}  // namespace

std::shared_ptr<Cluster> ClusterManager::get(const ClusterConfig& config) {
  auto it = clusters_.find(config.name);
  if (it != clusters_.end() && sameShape(it->second->config(), config)) return it->second;
  auto cluster = std::make_shared<Cluster>(executor_, config);
  clusters_[config.name] = cluster;
  return cluster;
}

void ClusterManager::retain(const route::Snapshot& snapshot) {
  for (auto it = clusters_.begin(); it != clusters_.end();) {
    if (!snapshot.cluster(it->first)) {
      it->second->closeIdle();
      it = clusters_.erase(it);
    } else {
      it->second->refreshDns();
      ++it;
    }
  }
}

void ClusterManager::closeIdle() {
  for (auto& [name, cluster] : clusters_) cluster->closeIdle();
}

}  // namespace portico::upstream
