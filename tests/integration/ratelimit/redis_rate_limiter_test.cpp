// Distributed enforcement against a real redis-server that each test starts on a free
// loopback port and stops by pid. Replicas are separate registries + RedisRateLimiters,
// each on its own io_context thread, sharing only the Redis server.
#include "portico/ratelimit/redis_rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "portico/filter/rate_limit_filter.h"
#include "portico/http/header_map.h"
#include "portico/ratelimit/rate_limit_policy_set.h"
#include "portico/ratelimit/rate_limit_registry.h"
#include "support/process.h"
#include "unit/filter/fake_stream_context.h"

namespace portico::ratelimit {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

class RedisServer {
 public:
  RedisServer() : port_(portico::testing::freePort()) { start(); }
  void start() {
    process_ = std::make_unique<portico::testing::ChildProcess>(
        std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no"},
        dir_.path().string() + "/redis.log");
    ASSERT_TRUE(portico::testing::waitForPort(port_, 5s)) << "redis-server did not start";
  }
  void kill() {
    process_->signal(SIGKILL);
    process_->wait(5s);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string cli(const std::string& args) const {
    return portico::testing::runCommand("redis-cli -p " + std::to_string(port_) + " " + args, 10s)
        .output;
  }

 private:
  portico::testing::TempDir dir_;
  uint16_t port_;
  std::unique_ptr<portico::testing::ChildProcess> process_;
};

config::RateLimitConfig redisConfig(
    const std::string& address, uint64_t rps, uint64_t burst,
    config::RedisRateLimitBackend::FailureMode mode,
    config::RateLimit::KeyKind key = config::RateLimit::KeyKind::kNone) {
  config::RateLimitConfig c;
  c.meta.name = "shared";
  c.meta.ns = "default";
  config::RateLimit l;
  l.name = "api";
  l.requestsPerUnit = rps;
  l.unit = config::RateLimit::Unit::kSecond;
  l.burst = burst;
  l.keyKind = key;
  c.limits.push_back(l);
  config::RedisRateLimitBackend backend;
  backend.address = address;
  backend.timeout = config::Duration(50);
  backend.failureMode = mode;
  c.redis = backend;
  return c;
}

struct Request {
  http::HeaderMap headers;
  route::MatchInput input;
  Request() {
    input.method = "GET";
    input.path = "/";
    input.headers = &headers;
  }
};

// One gateway replica: its own registry, io_context thread and Redis limiter.
struct Replica {
  asio::io_context io;
  RateLimitRegistry registry;
  std::shared_ptr<const RateLimitPolicy> policy;
  std::unique_ptr<RedisRateLimiter> limiter;
  Request request;

  explicit Replica(const config::RateLimitConfig& config) {
    policy = registry.compile(config);
    limiter = std::make_unique<RedisRateLimiter>(io, registry.redisMetrics());
  }
  // Runs io until `address` is connected (bounded).
  bool connect(const std::string& address) {
    limiter->warmUp(address);
    auto deadline = Clock::now() + 5s;
    while (!limiter->connected(address) && Clock::now() < deadline) io.run_for(5ms);
    io.restart();
    return limiter->connected(address);
  }
  // One decision on this thread, waiting for Redis if needed (bounded).
  RateLimitDecision decideNow(std::string_view client = "10.0.0.1") {
    std::optional<RateLimitDecision> async;
    auto sync = registry.decide(policy, request.input, client, limiter.get(),
                                [&](const RateLimitDecision& d) { async = d; });
    if (sync) return *sync;
    auto deadline = Clock::now() + 2s;
    while (!async && Clock::now() < deadline) io.run_one_for(10ms);
    io.restart();
    EXPECT_TRUE(async) << "no decision within 2 s";
    return async.value_or(RateLimitDecision{});
  }
};

// What one offered request saw.
struct Sample {
  Clock::time_point at;
  bool admitted = false;
  bool failureMode = false;
  std::chrono::microseconds latency{0};
};

// Offers `count` requests at `period` intervals on the replica's io_context thread and
// returns what each saw, once every decision has arrived (bounded by `count*period + 5 s`).
std::vector<Sample> offerLoad(Replica& r, int count, std::chrono::milliseconds period) {
  auto samples = std::make_shared<std::vector<Sample>>(count);
  auto outstanding = std::make_shared<int>(count);
  std::promise<void> finished;
  auto timer = std::make_shared<asio::steady_timer>(r.io);
  Clock::time_point start = Clock::now();
  auto tick = std::make_shared<std::function<void(int)>>();
  *tick = [&, samples, outstanding, timer, start, tick](int i) {
    if (i >= count) return;
    timer->expires_at(start + period * i);
    timer->async_wait([&, samples, outstanding, i, tick](const boost::system::error_code&) {
      Sample& s = (*samples)[i];
      s.at = Clock::now();
      auto record = [&, samples, outstanding, i](const RateLimitDecision& d) {
        Sample& s2 = (*samples)[i];
        s2.admitted = d.admitted;
        s2.failureMode = d.failureMode;
        s2.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - s2.at);
        if (--*outstanding == 0) finished.set_value();
      };
      auto sync = r.registry.decide(r.policy, r.request.input, "10.0.0.1", r.limiter.get(), record);
      if (sync) record(*sync);
      (*tick)(i + 1);
    });
  };
  auto work = asio::make_work_guard(r.io);
  std::thread thread([&] { r.io.run(); });
  asio::post(r.io, [tick] { (*tick)(0); });
  auto status = finished.get_future().wait_for(period * count + 5s);
  EXPECT_EQ(status, std::future_status::ready) << *outstanding << " decisions never arrived";
  asio::post(r.io, [&] {
    *tick = nullptr;
    timer->cancel();
    r.io.stop();
  });
  thread.join();
  r.io.restart();
  return *samples;
}

TEST(RedisRateLimiterTest, TwoReplicasShareOneLimitAccurately) {
  RedisServer redis;
  constexpr uint64_t kRate = 50, kBurst = 20;
  auto config = redisConfig(redis.address(), kRate, kBurst,
                            config::RedisRateLimitBackend::FailureMode::kDeny);
  // Accuracy, not the timeout, is under test: on a loaded host (or under ASan) a 50 ms
  // deadline expires now and then and failureMode would decide.
  config.redis->timeout = config::Duration(1000);
  Replica a(config), b(config);
  ASSERT_TRUE(a.connect(redis.address()));
  ASSERT_TRUE(b.connect(redis.address()));

  // Each replica is offered 100 rps for 10 s.
  std::vector<Sample> sa, sb;
  std::thread ta([&] { sa = offerLoad(a, 1000, 10ms); });
  std::thread tb([&] { sb = offerLoad(b, 1000, 10ms); });
  ta.join();
  tb.join();

  int admitted = 0, failures = 0;
  Clock::time_point first = sa.front().at, last = sa.front().at;
  for (const auto* v : {&sa, &sb}) {
    for (const auto& s : *v) {
      admitted += s.admitted;
      failures += s.failureMode;
      first = std::min(first, s.at);
      last = std::max(last, s.at);
    }
  }
  double elapsed = std::chrono::duration<double>(last - first).count();
  // A full bucket (requestsPerUnit + burst) plus the refill over the run.
  double expected = static_cast<double>(kRate + kBurst) + kRate * elapsed;
  std::cout << "admitted " << admitted << " of 2000 over " << elapsed << " s; expected " << expected
            << " (500 + burst = " << 500 + kBurst << ")\n";
  EXPECT_EQ(failures, 0);
  EXPECT_NEAR(admitted, expected, expected * 0.05);
  // Both replicas were served from the one bucket (how it splits follows arrival phase).
  EXPECT_GT(a.registry.limitStats()[0].admitted, 0u);
  EXPECT_GT(b.registry.limitStats()[0].admitted, 0u);
}

void killAndRestart(config::RedisRateLimitBackend::FailureMode mode) {
  RedisServer redis;
  Replica r(redisConfig(redis.address(), 100000, 0, mode));
  ASSERT_TRUE(r.connect(redis.address()));

  Clock::time_point killedAt, restartedAt;
  std::thread chaos([&] {
    std::this_thread::sleep_for(1s);
    killedAt = Clock::now();
    redis.kill();
    std::this_thread::sleep_for(1500ms);
    restartedAt = Clock::now();
    redis.start();
  });
  auto samples = offerLoad(r, 500, 10ms);  // 5 s
  chaos.join();

  bool allow = mode == config::RedisRateLimitBackend::FailureMode::kAllow;
  auto maxLatency = std::chrono::microseconds(0);
  int before = 0, during = 0, after = 0, duringFollowed = 0, lastSecondOnRedis = 0;
  for (const auto& s : samples) {
    maxLatency = std::max(maxLatency, s.latency);
    if (s.at < killedAt) {
      ++before;
      EXPECT_TRUE(s.admitted);
      EXPECT_FALSE(s.failureMode);
    } else if (s.at > killedAt + 100ms && s.at < restartedAt) {
      ++during;
      duringFollowed += s.failureMode && s.admitted == allow;
    } else if (s.at > samples.back().at - 1s) {
      ++after;
      lastSecondOnRedis += !s.failureMode && s.admitted;
    }
  }
  std::cout << "max decision latency " << maxLatency.count() << " us\n";
  EXPECT_GT(before, 50);
  EXPECT_GT(during, 100);
  EXPECT_EQ(duringFollowed, during) << "every decision while Redis is down follows failureMode";
  EXPECT_GT(after, 50);
  EXPECT_EQ(lastSecondOnRedis, after) << "decisions go back to Redis once it returns";
  // Never held beyond the 50 ms timeout (plus scheduling slack).
  EXPECT_LT(maxLatency, std::chrono::microseconds(50'000 + 30'000));
  const RedisMetrics& m = r.registry.redisMetrics();
  EXPECT_GE(m.connects.load(), 2u);
  EXPECT_GE(m.errors.load(), 1u);
}

TEST(RedisRateLimiterTest, RedisDownWithFailureModeAllowAdmitsAndRecovers) {
  killAndRestart(config::RedisRateLimitBackend::FailureMode::kAllow);
}

TEST(RedisRateLimiterTest, RedisDownWithFailureModeDenyRejectsAndRecovers) {
  killAndRestart(config::RedisRateLimitBackend::FailureMode::kDeny);
}

TEST(RedisRateLimiterTest, KeyedBucketsHeadersAndScriptReload) {
  RedisServer redis;
  auto config =
      redisConfig(redis.address(), 2, 0, config::RedisRateLimitBackend::FailureMode::kAllow,
                  config::RateLimit::KeyKind::kRemoteAddress);
  Replica r(config);
  ASSERT_TRUE(r.connect(redis.address()));
  redis.cli("SCRIPT FLUSH");  // the first call must fall back from EVALSHA to EVAL

  auto d1 = r.decideNow("10.0.0.1");
  EXPECT_TRUE(d1.admitted);
  EXPECT_FALSE(d1.failureMode);
  EXPECT_EQ(d1.limit, 2u);
  EXPECT_EQ(d1.remaining, 1u);
  EXPECT_TRUE(r.decideNow("10.0.0.1").admitted);
  auto rejected = r.decideNow("10.0.0.1");
  EXPECT_FALSE(rejected.admitted);
  EXPECT_FALSE(rejected.failureMode);
  EXPECT_EQ(rejected.retryAfterSeconds, 1u);
  http::HeaderMap h;
  rejected.addHeaders(h);
  EXPECT_EQ(h.get("retry-after"), std::optional<std::string_view>("1"));
  EXPECT_EQ(h.get("x-ratelimit-remaining"), std::optional<std::string_view>("0"));
  // Another client has its own bucket in Redis.
  EXPECT_TRUE(r.decideNow("10.0.0.2").admitted);
  std::string keys = redis.cli("--raw KEYS 'portico:rl:*'");
  EXPECT_NE(keys.find("}:=10.0.0.1"), std::string::npos) << keys;
  EXPECT_NE(keys.find("}:=10.0.0.2"), std::string::npos) << keys;
  // The rejected one was answered from the deny cache or Redis, never by failureMode.
  EXPECT_EQ(r.registry.limitStats()[0].failureModeDecisions, 0u);
}

TEST(RedisRateLimiterTest, HighRateLimitsAreServedFromLeases) {
  RedisServer redis;
  Replica r(
      redisConfig(redis.address(), 100000, 0, config::RedisRateLimitBackend::FailureMode::kDeny));
  ASSERT_TRUE(r.connect(redis.address()));
  int admitted = 0;
  for (int i = 0; i < 2000; ++i) admitted += r.decideNow().admitted;
  EXPECT_EQ(admitted, 2000);
  const RedisMetrics& m = r.registry.redisMetrics();
  EXPECT_GT(m.leaseHits.load(), 1500u);
  EXPECT_LT(m.calls.load(), 200u);
}

// A lease in use is renewed before it runs out or expires: after the first call, requests
// are served from leases without waiting for Redis (here over 3 lease lifetimes).
TEST(RedisRateLimiterTest, LeasesInUseAreRenewedAheadSoRequestsDoNotWait) {
  RedisServer redis;
  Replica r(
      redisConfig(redis.address(), 100000, 0, config::RedisRateLimitBackend::FailureMode::kDeny));
  ASSERT_TRUE(r.connect(redis.address()));
  int waited = 0, admitted = 0, decisions = 0;
  auto end = Clock::now() + 300ms;
  while (Clock::now() < end) {
    std::optional<RateLimitDecision> async;
    auto sync = r.registry.decide(r.policy, r.request.input, "10.0.0.1", r.limiter.get(),
                                  [&](const RateLimitDecision& d) { async = d; });
    if (!sync) {
      ++waited;
      auto deadline = Clock::now() + 2s;
      while (!async && Clock::now() < deadline) r.io.run_one_for(10ms);
      r.io.restart();
      ASSERT_TRUE(async);
      sync = async;
    }
    admitted += sync->admitted;
    ++decisions;
    r.io.poll();  // renewals are answered between requests, as on a worker
    r.io.restart();
    std::this_thread::sleep_for(100us);
  }
  EXPECT_EQ(admitted, decisions);
  EXPECT_LE(waited, 2) << "of " << decisions << " decisions";
}

TEST(RedisRateLimiterTest, UnreachableRedisDecidesAtOnceByFailureMode) {
  uint16_t port = portico::testing::freePort();  // nothing listens there
  std::string address = "127.0.0.1:" + std::to_string(port);
  Replica deny(redisConfig(address, 10, 0, config::RedisRateLimitBackend::FailureMode::kDeny));
  auto d = deny.decideNow();
  EXPECT_FALSE(d.admitted);
  EXPECT_TRUE(d.failureMode);
  Replica allow(redisConfig(address, 10, 0, config::RedisRateLimitBackend::FailureMode::kAllow));
  for (int i = 0; i < 20; ++i) {
    auto a = allow.decideNow();
    EXPECT_TRUE(a.admitted);
    EXPECT_TRUE(a.failureMode);
  }
  allow.io.run_for(200ms);  // reconnect attempts with backoff, all refused
  EXPECT_GE(allow.registry.redisMetrics().connectFailures.load(), 1u);
}

// The filter stops the chain while Redis decides, resumes through resumeAfter(0), then
// answers 429 or continues with the x-ratelimit-* headers.
TEST(RedisRateLimiterTest, FilterWaitsForRedisThenResumes) {
  RedisServer redis;
  auto config =
      redisConfig(redis.address(), 1, 0, config::RedisRateLimitBackend::FailureMode::kAllow);
  config::RateLimitTargetRef ref;
  ref.kind = "VirtualService";
  ref.name = "vs";
  ref.ns = "default";
  config.targetRefs.push_back(ref);
  config::ConfigSet set;
  set.rateLimitConfigs.push_back(config);
  Replica r(config);
  ASSERT_TRUE(r.connect(redis.address()));
  auto snapshot = std::make_shared<route::Snapshot>();
  snapshot->rateLimits = RateLimitPolicySet::build(r.registry, set);
  auto route = filter::testing::forwardRoute("svc");
  route->virtualService = "default/vs";

  auto run = [&](filter::RateLimitFilter& f, filter::testing::FakeStreamContext& ctx) {
    ctx.state().match.route = route.get();
    ctx.request().path = "/";
    EXPECT_EQ(f.decodeHeaders(ctx), filter::FilterStatus::kStopIteration);
    EXPECT_FALSE(ctx.state().localReply);
    auto deadline = Clock::now() + 2s;
    while (!ctx.delay_ && Clock::now() < deadline) r.io.run_one_for(10ms);
    r.io.restart();
    EXPECT_EQ(ctx.delay_, std::optional<std::chrono::milliseconds>(0ms));
    return f.onResume(ctx);
  };
  filter::testing::FakeStreamContext first(snapshot);
  filter::RateLimitFilter f1(r.limiter.get(), "10.0.0.1");
  EXPECT_EQ(run(f1, first), filter::FilterStatus::kContinue);
  http::ResponseHead head;
  f1.encodeHeaders(first, head);
  EXPECT_EQ(head.headers.get("x-ratelimit-limit"), std::optional<std::string_view>("1"));
  EXPECT_EQ(head.headers.get("x-ratelimit-remaining"), std::optional<std::string_view>("0"));

  filter::testing::FakeStreamContext second(snapshot);
  filter::RateLimitFilter f2(r.limiter.get(), "10.0.0.1");
  EXPECT_EQ(run(f2, second), filter::FilterStatus::kStopIteration);
  ASSERT_TRUE(second.state().localReply);
  EXPECT_EQ(second.state().localReply->head.status, 429u);
  EXPECT_EQ(second.state().localReply->head.headers.get("retry-after"),
            std::optional<std::string_view>("1"));
}

// A stream that ends while Redis is deciding is not touched by the late answer.
TEST(RedisRateLimiterTest, FilterDestroyedBeforeTheAnswerIsSafe) {
  RedisServer redis;
  auto config =
      redisConfig(redis.address(), 10, 0, config::RedisRateLimitBackend::FailureMode::kAllow);
  config.targetRefs.push_back({"VirtualService", "vs", "default", {}});
  config::ConfigSet set;
  set.rateLimitConfigs.push_back(config);
  Replica r(config);
  ASSERT_TRUE(r.connect(redis.address()));
  auto snapshot = std::make_shared<route::Snapshot>();
  snapshot->rateLimits = RateLimitPolicySet::build(r.registry, set);
  auto route = filter::testing::forwardRoute("svc");
  route->virtualService = "default/vs";
  {
    filter::testing::FakeStreamContext ctx(snapshot);
    ctx.state().match.route = route.get();
    auto f = std::make_unique<filter::RateLimitFilter>(r.limiter.get(), "10.0.0.1");
    EXPECT_EQ(f->decodeHeaders(ctx), filter::FilterStatus::kStopIteration);
    f->onComplete(ctx);
  }
  r.io.run_for(200ms);  // the reply lands on nobody
  EXPECT_EQ(r.registry.limitStats()[0].admitted, 1u);
}

}  // namespace
}  // namespace portico::ratelimit
