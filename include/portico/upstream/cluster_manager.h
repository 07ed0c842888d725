// The clusters one worker has used, by name. A cluster is (re)built from the snapshot's
// ClusterConfig on first use and whenever the config under that name changed.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>
#include <unordered_map>

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
  // Every cluster this worker has built, by name (stats scrapes, on the worker thread).
  const std::unordered_map<std::string, std::shared_ptr<Cluster>>& all() const {
    return clusters_;
  }

 private:
  boost::asio::any_io_executor executor_;
  std::unordered_map<std::string, std::shared_ptr<Cluster>> clusters_;
};

}  // namespace portico::upstream
