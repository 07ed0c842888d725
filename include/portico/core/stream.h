// One request/response exchange on a downstream connection: the request head, the pinned
// snapshot, the filter chain and its shared state, plus what the access log needs.
// Created by DownstreamConnection per request; dies after the access-log line, dropping
// its snapshot reference (an old snapshot dies with its last stream).
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>

#include "portico/filter/filter_chain.h"
#include "portico/filter/stream_context.h"
#include "portico/route/snapshot.h"

namespace portico::core {

class Stream final : public filter::StreamContext {
 public:
  Stream(route::SnapshotPtr snapshot, std::mt19937& rng, uint16_t listenerPort)
      : snapshot_(std::move(snapshot)), rng_(rng), chain_(filter::FilterChain::makeDefault()) {
    state_.listenerPort = listenerPort;
  }

  http::RequestHead& request() override { return request_; }
  filter::StreamState& state() override { return state_; }
  const route::Snapshot& snapshot() const override { return *snapshot_; }
  uint32_t random() override { return static_cast<uint32_t>(rng_()); }
  void sendLocalReply(http::LocalReply reply, std::string_view responseFlag) override {
    if (state_.localReply) return;
    state_.localReply = std::move(reply);
    if (!responseFlag.empty()) state_.addFlag(responseFlag);
  }
  void resumeAfter(std::chrono::milliseconds delay) override { pendingDelay_ = delay; }

  filter::FilterChain& chain() { return chain_; }
  // Set by resumeAfter(); the connection waits, clears it, then calls chain().resume().
  std::optional<std::chrono::milliseconds> takePendingDelay() {
    auto d = pendingDelay_;
    pendingDelay_.reset();
    return d;
  }

  // Access-log facts.
  std::chrono::system_clock::time_point startTime = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point startSteady = std::chrono::steady_clock::now();
  unsigned responseCode = 0;
  uint64_t bytesReceived = 0;
  uint64_t bytesSent = 0;
  std::string upstreamServiceTime;

 private:
  route::SnapshotPtr snapshot_;
  std::mt19937& rng_;
  http::RequestHead request_;
  filter::StreamState state_;
  filter::FilterChain chain_;
  std::optional<std::chrono::milliseconds> pendingDelay_;
};

}  // namespace portico::core
