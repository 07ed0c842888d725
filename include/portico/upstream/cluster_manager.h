// The clusters one worker has used, by name. A cluster is (re)built from the snapshot's
// ClusterConfig on first use and whenever the config under that name changed.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>
#include <unordered_map>

#include "portico/route/snapshot.h"
#include "portico/upstream/cluster.h"

namespace portico::upstream {

class ClusterManager {
 public:
  explicit ClusterManager(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  std::shared_ptr<Cluster> get(const ClusterConfig& config);
  void closeIdle();
  void sweepIdle() {
    for (auto& [name, cluster] : clusters_) cluster->sweepIdle();
  }
  void clear() { clusters_.clear(); }
  // After a reload: clusters `snapshot` no longer has close their idle connections and are
  // forgotten (requests in flight hold them until they finish); the rest re-resolve DNS.
  void retain(const route::Snapshot& snapshot);
  std::size_t size() const { return clusters_.size(); }
  // Every cluster this worker has built, by name (stats scrapes, on the worker thread).
  const std::unordered_map<std::string, std::shared_ptr<Cluster>>& all() const {
    return clusters_;
  }

 private:
  boost::asio::any_io_executor executor_;
  std::unordered_map<std::string, std::shared_ptr<Cluster>> clusters_;
};

}  // namespace portico::upstream
