#include "portico/ratelimit/redis_client.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "portico/ratelimit/redis_asio_adapter.h"

namespace portico::ratelimit {

RedisClient::RedisClient(boost::asio::io_context& io, Options options, RedisMetrics& metrics)
    : io_(io),
      options_(std::move(options)),
      metrics_(metrics),
      resolver_(io),
      reconnectTimer_(io),
      connectTimer_(io),
      backoff_(options_.initialBackoff) {}

RedisClient::~RedisClient() {
  stopping_ = true;
  alive_.reset();
  reconnectTimer_.cancel();
  connectTimer_.cancel();
  resolver_.cancel();
  dropConnection();
  // Commands hiredis no longer knew about (none expected) still get their one call.
  auto pending = std::move(pending_);
  for (auto& [id, p] : pending) p.done(nullptr);
}

bool RedisClient::parseAddress(const std::string& address, std::string& host, uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string portText = address.substr(colon + 1);
  if (portText.empty() || portText.size() > 5 ||
      !std::all_of(portText.begin(), portText.end(),
                   [](unsigned char c) { return std::isdigit(c); }))
    return false;
  int value = std::stoi(portText);
  if (value < 1 || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

void RedisClient::start() {
  if (stopping_ || connected_ || connecting_) return;
  connecting_ = true;
  boost::system::error_code ec;
  boost::asio::ip::make_address(options_.host, ec);
  if (!ec) {
    connectTo(options_.host);
    return;
  }
  // hiredis would resolve a name with a blocking getaddrinfo: resolve it here instead.
  std::weak_ptr<bool> alive = alive_;
  resolver_.async_resolve(
      options_.host, std::to_string(options_.port),
      [this, alive](const boost::system::error_code& rec,
                    const boost::asio::ip::tcp::resolver::results_type& results) {
        if (alive.expired()) return;
        if (rec || results.empty()) {
          metrics_.connectFailures.fetch_add(1, std::memory_order_relaxed);
          scheduleReconnect();
          return;
        }
        connectTo(results.begin()->endpoint().address().to_string());
      });
}

void RedisClient::connectTo(const std::string& ip) {
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), options_.port);
  if (ac == nullptr || ac->err) {
    metrics_.connectFailures.fetch_add(1, std::memory_order_relaxed);
    if (ac) redisAsyncFree(ac);
    scheduleReconnect();
    return;
  }
  ac->data = this;
  RedisAsioAdapter::attach(io_, ac);
  ac_ = ac;
  redisAsyncSetDisconnectCallback(ac, &RedisClient::onDisconnect);
  redisAsyncSetConnectCallback(ac, &RedisClient::onConnect);  // arms the first write wait
  connectTimer_.expires_after(options_.connectTimeout);
  std::weak_ptr<bool> alive = alive_;
  connectTimer_.async_wait([this, alive, ac](const boost::system::error_code& ec) {
    if (ec || alive.expired() || ac_ != ac || connected_) return;
    metrics_.connectFailures.fetch_add(1, std::memory_order_relaxed);
    dropConnection();
    scheduleReconnect();
  });
}

void RedisClient::onConnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisClient*>(ac->data);
  if (self->ac_ != ac) return;
  self->connectTimer_.cancel();
  if (status != REDIS_OK) {
    // hiredis frees the context right after this callback.
    self->ac_ = nullptr;
    self->connecting_ = false;
    self->metrics_.connectFailures.fetch_add(1, std::memory_order_relaxed);
    self->scheduleReconnect();
    return;
  }
  self->connected_ = true;
  self->connecting_ = false;
  self->consecutiveTimeouts_ = 0;
  self->backoff_ = self->options_.initialBackoff;
  self->metrics_.connects.fetch_add(1, std::memory_order_relaxed);
}

void RedisClient::onDisconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisClient*>(ac->data);
  if (self->ac_ != ac) return;  // we dropped it ourselves
  self->ac_ = nullptr;
  self->connected_ = false;
  self->connecting_ = false;
  if (status != REDIS_OK) self->metrics_.errors.fetch_add(1, std::memory_order_relaxed);
  self->scheduleReconnect();
}

void RedisClient::dropConnection() {
  if (!ac_) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  connected_ = false;
  connecting_ = true;  // the caller schedules the reconnect (or is shutting down)
  redisAsyncFree(ac);  // pending replies complete with nullptr
}

void RedisClient::scheduleReconnect() {
  if (stopping_) return;
  connecting_ = true;  // a reconnect is pending: commands fail fast until it runs
  reconnectTimer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, options_.maxBackoff);
  std::weak_ptr<bool> alive = alive_;
  reconnectTimer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    connecting_ = false;
    start();
  });
}

bool RedisClient::command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          ReplyHandler done) {
  if (!connected_ || !ac_) {
    start();
    return false;
  }
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  args.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  uint64_t id = nextId_++;
  if (redisAsyncCommandArgv(
          ac_, &RedisClient::onReply, reinterpret_cast<void*>(static_cast<uintptr_t>(id)),
          static_cast<int>(args.size()), args.data(), lengths.data()) != REDIS_OK) {
    return false;
  }
  metrics_.calls.fetch_add(1, std::memory_order_relaxed);
  Pending& p = pending_[id];
  p.done = std::move(done);
  p.sent = std::chrono::steady_clock::now();
  p.timer = std::make_unique<boost::asio::steady_timer>(io_, timeout);
  std::weak_ptr<bool> alive = alive_;
  p.timer->async_wait([this, alive, id](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    ReplyHandler handler = std::move(it->second.done);
    pending_.erase(it);
    metrics_.timeouts.fetch_add(1, std::memory_order_relaxed);
    handler(nullptr);
    if (++consecutiveTimeouts_ >= options_.timeoutsBeforeReconnect && connected_) {
      dropConnection();
      scheduleReconnect();
    }
  });
  return true;
}

void RedisClient::onReply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<RedisClient*>(ac->data);
  self->complete(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(privdata)),
                 static_cast<const redisReply*>(reply));
}

void RedisClient::complete(uint64_t id, const redisReply* reply) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // already answered by its timeout
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.timer->cancel();
  if (reply) {
    consecutiveTimeouts_ = 0;
    metrics_.recordLatency(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - p.sent));
    if (reply->type == REDIS_REPLY_ERROR) metrics_.errors.fetch_add(1, std::memory_order_relaxed);
  } else {
    metrics_.errors.fetch_add(1, std::memory_order_relaxed);
  }
  p.done(reply);
}

}  // namespace portico::ratelimit
