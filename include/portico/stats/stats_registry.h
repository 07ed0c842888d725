// The scrape-time list of stats sources. Sources register once at start-up (main thread);
// collect() runs on the admin thread and calls every source in registration order.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "portico/stats/stats_writer.h"

namespace portico::stats {

class StatsRegistry {
 public:
  using Source = std::function<void(StatsWriter&)>;

  void add(Source source) {
    std::lock_guard lock(mutex_);
    sources_.push_back(std::move(source));
  }
  void collect(StatsWriter& writer) const {
    std::lock_guard lock(mutex_);
    for (const auto& source : sources_) source(writer);
  }

 private:
  // Scrapes and registrations are rare and off the request path.
  mutable std::mutex mutex_;
  std::vector<Source> sources_;
};

}  // namespace portico::stats
