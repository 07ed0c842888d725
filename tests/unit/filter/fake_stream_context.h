// A StreamContext with no I/O for filter unit tests: records local replies and delays,
// returns scripted random values.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>

#include "portico/filter/stream_context.h"

namespace portico::filter::testing {

class FakeStreamContext final : public StreamContext {
 public:
  explicit FakeStreamContext(
      std::shared_ptr<const route::Snapshot> snapshot = std::make_shared<route::Snapshot>())
      : snapshot_(std::move(snapshot)) {}

  http::RequestHead& request() override { return request_; }
  StreamState& state() override { return state_; }
  const route::Snapshot& snapshot() const override { return *snapshot_; }
  uint32_t random() override {
    if (randoms.empty()) return 0;
    uint32_t v = randoms.front();
    randoms.pop_front();
    return v;
  }
  void sendLocalReply(http::LocalReply reply, std::string_view flag) override {
    if (state_.localReply) return;
    state_.localReply = std::move(reply);
    if (!flag.empty()) state_.addFlag(flag);
  }
  void resumeAfter(std::chrono::milliseconds delay) override { delay_ = delay; }

  std::optional<std::chrono::milliseconds> delay_;
  std::deque<uint32_t> randoms;

 private:
  std::shared_ptr<const route::Snapshot> snapshot_;
  http::RequestHead request_;
  StreamState state_;
};

// A route forwarding to one cluster.
inline std::unique_ptr<route::Route> forwardRoute(const std::string& cluster) {
  auto r = std::make_unique<route::Route>();
  route::ForwardAction fa;
  route::WeightedCluster wc;
  wc.clusterName = cluster;
  wc.weight = 100;
  fa.clusters.push_back(wc);
  fa.totalWeight = 100;
  r->action = std::move(fa);
  return r;
}

}  // namespace portico::filter::testing
