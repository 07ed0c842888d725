// A small asynchronous Redis client for one worker: one hiredis connection driven by the
// worker's io_context (RedisAsioAdapter), reconnecting with exponential backoff, and a
// deadline on every command. Not thread-safe: one client per io_context, used only from
// that io_context's thread.
#pragma once

#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "portico/ratelimit/rate_limit_metrics.h"

namespace portico::ratelimit {

class RedisClient {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 6379;
    std::chrono::milliseconds connectTimeout{1000};
    std::chrono::milliseconds initialBackoff{25};
    std::chrono::milliseconds maxBackoff{1000};
    // After this many commands in a row time out, the connection is dropped and re-made
    // (a hung server would otherwise hold every request for the whole timeout).
    int timeoutsBeforeReconnect = 3;
  };
  // nullptr: the command failed (no connection, connection lost, timeout, shutdown).
  using ReplyHandler = std::function<void(const redisReply* reply)>;

  RedisClient(boost::asio::io_context& io, Options options, RedisMetrics& metrics);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Starts connecting (also done lazily by the first command).
  void start();
  bool connected() const { return connected_; }

  // Sends `argv`. Returns false (and never calls `done`) when there is no connection, so the
  // caller decides at once. Otherwise `done` is called exactly once on the io_context, with
  // the reply, or nullptr after `timeout`, a lost connection, or the client's destruction.
  bool command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
               ReplyHandler done);

  // "host:port" parsing ("[::1]:6379" accepted); nullopt-like false when malformed.
  static bool parseAddress(const std::string& address, std::string& host, uint16_t& port);

 private:
  struct Pending {
    ReplyHandler done;
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::chrono::steady_clock::time_point sent;
  };

  static void onConnect(const redisAsyncContext* ac, int status);
  static void onDisconnect(const redisAsyncContext* ac, int status);
  static void onReply(redisAsyncContext* ac, void* reply, void* privdata);

  void connectTo(const std::string& ip);
  void scheduleReconnect();
  void connectionLost();
  void complete(uint64_t id, const redisReply* reply);
  void dropConnection();

  boost::asio::io_context& io_;
  Options options_;
  RedisMetrics& metrics_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer reconnectTimer_;
  boost::asio::steady_timer connectTimer_;
  redisAsyncContext* ac_ = nullptr;
  bool connected_ = false;
  bool connecting_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds backoff_;
  int consecutiveTimeouts_ = 0;
  uint64_t nextId_ = 1;
  std::unordered_map<uint64_t, Pending> pending_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace portico::ratelimit
