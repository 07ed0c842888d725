#include "portico/ratelimit/redis_rate_limiter.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>

namespace portico::ratelimit {
namespace {

using Clock = std::chrono::steady_clock;

// GCRA over Redis's clock, in microseconds. KEYS[1]: the bucket. ARGV: emission interval
// (us, may be fractional), capacity (tokens), want (> 0: take up to that many tokens;
// < 0: give that many back). The value stored is the theoretical arrival time; the key
// expires when the bucket would be full again, so idle buckets cost Redis nothing.
// Returns {granted, remaining, retryAfterUs, resetAfterUs}.
constexpr const char* kScript = R"lua(
local T = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local depth = cap * T
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local granted = 0
if want < 0 then
  tat = math.max(now, tat + want * T)
else
  local avail = math.floor((now + depth - tat) / T + 1e-6)
  if avail > want then avail = want end
  if avail > 0 then
    granted = avail
    tat = tat + granted * T
  end
end
local ahead = tat - now
if ahead > 0 then
  redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(ahead / 1000) + 1)
else
  redis.call('DEL', KEYS[1])
end
local remaining = math.floor((depth - ahead) / T + 1e-6)
if remaining < 0 then remaining = 0 end
local retry = 0
if remaining < 1 then retry = math.ceil(ahead + T - depth) end
return {granted, remaining, retry, math.ceil(ahead)}
)lua";

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

std::string micros(uint64_t nanos) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(nanos) / 1000.0);
  return buf;
}

bool readInteger(const redisReply* r, long long& out) {
  if (r->type != REDIS_REPLY_INTEGER) return false;
  out = r->integer;
  return true;
}

}  // namespace

const std::string& RedisRateLimiter::script() {
  static const std::string s = kScript;
  return s;
}

const std::string& RedisRateLimiter::scriptSha() {
  static const std::string sha = [] {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(script().data()), script().size(), digest);
    return hex(digest, sizeof digest);
  }();
  return sha;
}

std::string redisBucketKey(const LimitState& state, std::optional<std::string_view> key) {
  std::string out = "portico:rl:{" + state.identity + "}:";
  if (!key) {
    out += "-";  // no key header: one shared bucket
  } else {
    out += "=";
    out += normalizeBucketKey(*key);
  }
  return out;
}

RedisRateLimiter::RedisRateLimiter(boost::asio::io_context& io, RedisMetrics& metrics,
                                   Options options)
    : io_(io), metrics_(metrics), options_(std::move(options)) {}

RedisRateLimiter::~RedisRateLimiter() {
  // Every waiting request still gets its one answer, before the clients go.
  for (auto& [key, entry] : entries_) failWaiters(entry);
  alive_.reset();
  clients_.clear();
}

RedisClient* RedisRateLimiter::client(const std::string& address) {
  auto it = clients_.find(address);
  if (it != clients_.end()) return it->second.get();
  RedisClient::Options o = options_.client;
  if (!RedisClient::parseAddress(address, o.host, o.port)) return nullptr;
  auto c = std::make_unique<RedisClient>(io_, o, metrics_);
  c->start();
  return clients_.emplace(address, std::move(c)).first->second.get();
}

void RedisRateLimiter::warmUp(const std::string& address) { client(address); }

bool RedisRateLimiter::connected(const std::string& address) const {
  auto it = clients_.find(address);
  return it != clients_.end() && it->second->connected();
}

RedisOutcome RedisRateLimiter::failureOutcome(config::RedisRateLimitBackend::FailureMode mode) {
  RedisOutcome out;
  out.failureMode = true;
  if (mode == config::RedisRateLimitBackend::FailureMode::kAllow) {
    out.bucket.admitted = true;
  } else {
    out.bucket.admitted = false;
    out.bucket.retryAfterNanos = 1'000'000'000;
  }
  return out;
}

uint64_t RedisRateLimiter::leaseSize(const BucketParams& params) const {
  auto window = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.leaseWindow).count());
  uint64_t tokens = window / params.emissionNanos;
  return std::clamp<uint64_t>(tokens, 1, std::max<uint64_t>(1, params.capacity / 4));
}

bool RedisRateLimiter::makeRoom() {
  auto now = Clock::now();
  std::erase_if(entries_, [&](const auto& item) {
    const Entry& e = item.second;
    return !e.inFlight && e.waiters.empty() && (e.leaseTokens == 0 || now >= e.leaseExpires) &&
           now >= e.deniedUntil;
  });
  return entries_.size() < options_.maxEntries;
}

std::optional<RedisOutcome> RedisRateLimiter::acquire(const CompiledLimit& limit,
                                                      std::optional<std::string_view> key,
                                                      const config::RedisRateLimitBackend& backend,
                                                      Callback done) {
  auto now = Clock::now();
  std::string redisKey = redisBucketKey(limit.state(), key);
  auto it = entries_.find(redisKey);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.maxEntries && !makeRoom()) {
      return failureOutcome(backend.failureMode);
    }
    it = entries_.try_emplace(redisKey).first;
  }
  Entry& e = it->second;
  e.params = limit.params();
  e.address = backend.address;
  e.failureMode = backend.failureMode;
  e.timeout = backend.timeout;

  if (e.leaseTokens > 0) {
    if (now < e.leaseExpires) {
      --e.leaseTokens;
      metrics_.leaseHits.fetch_add(1, std::memory_order_relaxed);
      RedisOutcome out;
      out.bucket.admitted = true;
      out.bucket.remaining = e.last.remaining + e.leaseTokens;
      out.bucket.resetAfterNanos = e.last.resetAfterNanos;
      // Top a lease in use up before it runs out or expires, so that requests keep being
      // served from it instead of queueing behind a round-trip (which on a busy host costs
      // each of them a suspension and a resume). The top-up asks only for what was spent
      // (send(): leaseSize - leaseTokens), so a worker never holds more than one lease's
      // worth of tokens Redis granted, and its reply extends the expiry.
      if (!e.inFlight && e.waiters.empty() &&
          (e.leaseTokens <= e.leaseSize / 2 || now >= e.leaseExpires - options_.leaseTtl / 2)) {
        send(redisKey, e, false, now + backend.timeout);
      }
      return out;
    }
    returnLease(redisKey, e);
  }
  if (now < e.deniedUntil) {
    metrics_.denyCacheHits.fetch_add(1, std::memory_order_relaxed);
    RedisOutcome out;
    out.bucket.admitted = false;
    out.bucket.retryAfterNanos = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(e.deniedUntil - now).count());
    out.bucket.resetAfterNanos = e.last.resetAfterNanos;
    return out;
  }
  e.waiters.push_back({std::move(done)});
  if (!e.inFlight && !send(redisKey, e, false, now + backend.timeout)) {
    e.waiters.pop_back();
    return failureOutcome(backend.failureMode);
  }
  return std::nullopt;
}

bool RedisRateLimiter::send(const std::string& redisKey, Entry& entry, bool useEval,
                            Clock::time_point deadline) {
  RedisClient* c = client(entry.address);
  if (!c || !c->connected()) {
    if (c) c->start();
    return false;
  }
  auto now = Clock::now();
  if (now >= deadline) return false;
  entry.leaseSize = leaseSize(entry.params);
  // A lease being topped up asks for what was spent; otherwise leaseTokens is 0.
  uint64_t topUp = entry.leaseSize > entry.leaseTokens ? entry.leaseSize - entry.leaseTokens : 1;
  uint64_t want = std::max<uint64_t>(entry.waiters.size(), topUp);
  std::vector<std::string> argv = {useEval ? "EVAL" : "EVALSHA",
                                   useEval ? script() : scriptSha(),
                                   "1",
                                   redisKey,
                                   micros(entry.params.emissionNanos),
                                   std::to_string(entry.params.capacity),
                                   std::to_string(want)};
  auto timeout = std::max(std::chrono::milliseconds(1),
                          std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
  std::weak_ptr<bool> alive = alive_;
  bool ok = c->command(argv, timeout,
                       [this, alive, redisKey, deadline, useEval, want](const redisReply* reply) {
                         if (alive.expired()) return;
                         onReply(redisKey, reply, deadline, useEval, want);
                       });
  entry.inFlight = ok;
  return ok;
}

void RedisRateLimiter::failWaiters(Entry& entry) {
  auto waiters = std::move(entry.waiters);
  entry.waiters.clear();
  RedisOutcome out = failureOutcome(entry.failureMode);
  for (auto& w : waiters) w.done(out);
}

void RedisRateLimiter::returnLease(const std::string& redisKey, Entry& entry) {
  uint64_t tokens = entry.leaseTokens;
  entry.leaseTokens = 0;
  RedisClient* c = client(entry.address);
  if (tokens == 0 || !c || !c->connected()) return;
  // Fire and forget: a lost refund only means the bucket under-admits by `tokens`.
  c->command(
      {"EVALSHA", scriptSha(), "1", redisKey, micros(entry.params.emissionNanos),
       std::to_string(entry.params.capacity), std::to_string(-static_cast<long long>(tokens))},
      entry.timeout, [](const redisReply*) {});
}

void RedisRateLimiter::onReply(const std::string& redisKey, const redisReply* reply,
                               Clock::time_point deadline, bool wasEval, uint64_t want) {
  auto it = entries_.find(redisKey);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  e.inFlight = false;
  long long granted = 0, remaining = 0, retryUs = 0, resetUs = 0;
  bool valid = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4 &&
               readInteger(reply->element[0], granted) &&
               readInteger(reply->element[1], remaining) &&
               readInteger(reply->element[2], retryUs) && readInteger(reply->element[3], resetUs);
  if (!valid) {
    bool noScript = reply && reply->type == REDIS_REPLY_ERROR && !wasEval &&
                    std::string_view(reply->str, reply->len).starts_with("NOSCRIPT");
    if (noScript && send(redisKey, e, true, deadline)) return;
    failWaiters(e);
    return;
  }
  auto now = Clock::now();
  e.last.remaining = static_cast<uint64_t>(std::max(0LL, remaining));
  e.last.resetAfterNanos = static_cast<uint64_t>(std::max(0LL, resetUs)) * 1000;
  auto waiters = std::move(e.waiters);
  e.waiters.clear();
  auto grantedTokens = static_cast<uint64_t>(std::max(0LL, granted));
  // The call asked for `want` tokens for the waiters present when it was sent; later
  // arrivals are served from the surplus, or by the next call.
  std::size_t serve = std::min<std::size_t>(grantedTokens, waiters.size());
  uint64_t leftover = grantedTokens - serve;
  if (leftover > 0) {
    e.leaseTokens += leftover;
    e.leaseExpires = now + options_.leaseTtl;
  }
  bool exhausted = grantedTokens < want;
  RedisOutcome rejected;
  if (exhausted) {
    e.deniedUntil = now + std::chrono::microseconds(std::max(0LL, retryUs));
    rejected.bucket.admitted = false;
    rejected.bucket.retryAfterNanos = static_cast<uint64_t>(std::max(0LL, retryUs)) * 1000;
    rejected.bucket.resetAfterNanos = e.last.resetAfterNanos;
  }
  std::vector<Waiter> answered(
      std::make_move_iterator(waiters.begin()),
      std::make_move_iterator(waiters.begin() + static_cast<std::ptrdiff_t>(serve)));
  std::vector<Waiter> rest(
      std::make_move_iterator(waiters.begin() + static_cast<std::ptrdiff_t>(serve)),
      std::make_move_iterator(waiters.end()));
  std::vector<Waiter> rejectedWaiters;
  if (exhausted) {
    rejectedWaiters = std::move(rest);
  } else if (!rest.empty()) {
    e.waiters = std::move(rest);
    if (!send(redisKey, e, false, now + e.timeout)) failWaiters(e);
  }
  // Callbacks may re-enter acquire() (and so erase idle entries): read `e` before them.
  uint64_t remainingBase = e.last.remaining + e.leaseTokens;
  uint64_t resetNanos = e.last.resetAfterNanos;
  for (std::size_t i = 0; i < answered.size(); ++i) {
    RedisOutcome out;
    out.bucket.admitted = true;
    out.bucket.remaining = remainingBase + (answered.size() - 1 - i);
    out.bucket.resetAfterNanos = resetNanos;
    answered[i].done(out);
  }
  for (auto& w : rejectedWaiters) w.done(rejected);
}

}  // namespace portico::ratelimit
