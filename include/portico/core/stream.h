// One request/response exchange on a downstream connection: the request head, the pinned
// snapshot, the filter chain and its shared state, plus what the access log needs.
// Created by DownstreamConnection per request; dies after the access-log line, dropping
// its snapshot reference (an old snapshot dies with its last stream).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
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
  // `redis`: the worker's limiter; `clientAddress`: the peer's IP (the remoteAddress key).
  Stream(route::SnapshotPtr snapshot, std::mt19937& rng, uint16_t listenerPort,
         ratelimit::RedisRateLimiter* redis, std::string clientAddress)
      : snapshot_(std::move(snapshot)),
        rng_(rng),
        chain_(filter::FilterChain::makeDefault(redis, std::move(clientAddress))) {
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
  // May come during decodeHeaders() or later from a callback on the worker thread (a Redis
  // reply): then it wakes awaitResume().
  void resumeAfter(std::chrono::milliseconds delay) override {
    pendingDelay_ = delay;
    if (resumeWait_) resumeWait_->cancel();
  }

  filter::FilterChain& chain() { return chain_; }
  // Set by resumeAfter(); the connection waits, clears it, then calls chain().resume().
  std::optional<std::chrono::milliseconds> takePendingDelay() {
    auto d = pendingDelay_;
    pendingDelay_.reset();
    return d;
  }
  // After the chain stopped: the delay resumeAfter() asked for, waiting up to `limit` for a
  // filter that will call it from a callback. nullopt: no filter asked to resume (a bug the
  // caller answers with a 500). `limit` only guards against such bugs; the rate-limit filter
  // is answered within its backend timeout.
  boost::asio::awaitable<std::optional<std::chrono::milliseconds>> awaitResume(
      boost::asio::any_io_executor executor, std::chrono::milliseconds limit) {
    if (!pendingDelay_) {
      boost::asio::steady_timer timer(executor, limit);
      resumeWait_ = &timer;
      co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      resumeWait_ = nullptr;
    }
    co_return takePendingDelay();
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
  boost::asio::steady_timer* resumeWait_ = nullptr;  // set while awaitResume() waits
};

}  // namespace portico::core
