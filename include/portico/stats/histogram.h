// A fixed-bucket histogram owned by one thread (a worker's series); merged at scrape time.
// Bounds are static arrays chosen by the metric (Istio's defaults), never per instance.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "portico/stats/stats_writer.h"

namespace portico::stats {

class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds)
      : bounds_(bounds), buckets_(bounds.size() + 1, 0) {}

  void observe(double value) {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    ++buckets_[i];
    ++count_;
    sum_ += value;
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < buckets_.size() && i < other.buckets_.size(); ++i) {
      buckets_[i] += other.buckets_[i];
    }
    count_ += other.count_;
    sum_ += other.sum_;
  }
  // Cumulative counts into `scratch`, which the view points at.
  HistogramView view(std::vector<uint64_t>& scratch) const {
    scratch.assign(bounds_.size(), 0);
    uint64_t running = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      running += buckets_[i];
      scratch[i] = running;
    }
    return HistogramView{bounds_, scratch, count_, sum_};
  }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::span<const double> bounds_;
  std::vector<uint64_t> buckets_;  // per bucket, not cumulative; the last: above every bound
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace portico::stats
