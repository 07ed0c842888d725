// Frees retired snapshots on a thread of its own. The last reference to an old snapshot is
// often dropped by a worker (its last stream ends after a reload), and freeing 10,000
// compiled routes and their YAML there would stall that worker's requests for milliseconds.
// Must outlive every snapshot it adopted.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>

#include "portico/route/snapshot.h"

namespace portico::reload {

class SnapshotReaper {
 public:
  ~SnapshotReaper() { pool_.join(); }  // frees whatever is still queued

  // The same snapshot, whose last release only queues the free.
  route::SnapshotPtr adopt(route::SnapshotPtr snapshot) {
    struct Holder {
      route::SnapshotPtr inner;
    };
    auto* holder = new Holder{std::move(snapshot)};
    const route::Snapshot* raw = holder->inner.get();
    std::shared_ptr<Holder> owner(holder, [this](Holder* h) {
      boost::asio::post(pool_, [h] { delete h; });
    });
    return route::SnapshotPtr(std::move(owner), raw);
  }

 private:
  boost::asio::thread_pool pool_{1};
};

}  // namespace portico::reload
