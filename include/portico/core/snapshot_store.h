// Holds the current Snapshot and publishes a new one atomically; workers read it without
// a lock held across requests, and each stream pins the one current when it opened.
#pragma once

#include <atomic>
#include <memory>

#include "portico/route/snapshot.h"

namespace portico::core {

class SnapshotStore {
 public:
  explicit SnapshotStore(route::SnapshotPtr initial) : current_(std::move(initial)) {}
  route::SnapshotPtr current() const { return current_.load(std::memory_order_acquire); }
  void publish(route::SnapshotPtr next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<route::SnapshotPtr> current_;
};

}  // namespace portico::core
