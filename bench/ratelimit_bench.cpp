// Cost of RateLimitRegistry::decide() per request: no matching limit, a local unkeyed
// limit, a local remoteAddress limit over 10k clients, the same under thread contention,
// and Redis-backed limits (a real redis-server on a free loopback port) served from a
// lease or needing a round-trip.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fake_stream_context.h"  // tests/unit/filter: a StreamContext without I/O
#include "portico/filter/rate_limit_filter.h"
#include "portico/http/header_map.h"
#include "portico/ratelimit/rate_limit_policy_set.h"
#include "portico/ratelimit/rate_limit_registry.h"
#include "portico/ratelimit/redis_rate_limiter.h"

extern char** environ;

namespace portico::ratelimit {
namespace {

config::RateLimitConfig configWith(uint64_t rps, config::RateLimit::KeyKind key,
                                   const std::string& prefix = "") {
  config::RateLimitConfig c;
  c.meta.name = "bench";
  config::RateLimit l;
  l.name = "l";
  l.requestsPerUnit = rps;
  l.unit = config::RateLimit::Unit::kSecond;
  l.keyKind = key;
  if (!prefix.empty()) {
    config::HttpMatchRequest m;
    m.uri = config::StringMatch{config::StringMatch::Kind::kPrefix, prefix, {}};
    l.match.push_back(m);
  }
  c.limits.push_back(l);
  return c;
}

struct Input {
  http::HeaderMap headers;
  route::MatchInput input;
  Input() {
    headers.add("user-agent", "bench");
    headers.add("accept", "*/*");
    input.method = "GET";
    input.scheme = "http";
    input.authority = "api.example.com";
    input.path = "/api/items";
    input.listenerPort = 80;
    input.headers = &headers;
  }
};

std::vector<std::string> clients(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back("10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) +
                  "." + std::to_string(i % 256));
  }
  return out;
}

RateLimitRegistry& registry() {
  static RateLimitRegistry r;
  return r;
}

void BM_NoMatchingLimit(benchmark::State& state) {
  static auto policy =
      registry().compile(configWith(1'000'000'000, config::RateLimit::KeyKind::kNone, "/other"));
  Input in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(registry().decide(*policy, in.input, "10.0.0.1", steadyNowNanos()));
  }
}
BENCHMARK(BM_NoMatchingLimit)->ThreadRange(1, 2);

void BM_LocalUnkeyed(benchmark::State& state) {
  static auto policy =
      registry().compile(configWith(1'000'000'000, config::RateLimit::KeyKind::kNone, "/api"));
  Input in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(registry().decide(*policy, in.input, "10.0.0.1", steadyNowNanos()));
  }
}
BENCHMARK(BM_LocalUnkeyed)->ThreadRange(1, 2)->Threads(4);

void BM_LocalKeyed10kClients(benchmark::State& state) {
  static auto policy =
      registry().compile(configWith(1'000'000, config::RateLimit::KeyKind::kRemoteAddress, "/api"));
  static const auto addresses = clients(10'000);
  Input in;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string& client = addresses[i++ % addresses.size()];
    benchmark::DoNotOptimize(registry().decide(*policy, in.input, client, steadyNowNanos()));
  }
}
BENCHMARK(BM_LocalKeyed10kClients)->ThreadRange(1, 2)->Threads(4);

// All threads on one client address: the worst case for the sharded map (one shard).
void BM_LocalKeyedOneHotClient(benchmark::State& state) {
  static auto policy = registry().compile(
      configWith(1'000'000'000, config::RateLimit::KeyKind::kRemoteAddress, "/api"));
  Input in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(registry().decide(*policy, in.input, "10.0.0.1", steadyNowNanos()));
  }
}
BENCHMARK(BM_LocalKeyedOneHotClient)->ThreadRange(1, 2)->Threads(4);

// The whole filter per request (policy lookup by VirtualService, MatchInput, decide, response
// headers): what the data plane pays per stream, with no policy / a local unkeyed limit / a
// local remoteAddress limit over 10k clients.
void runFilter(benchmark::State& state, int kind) {
  config::ConfigSet set;
  if (kind > 0) {
    auto c = configWith(1'000'000'000, kind == 1 ? config::RateLimit::KeyKind::kNone
                                                 : config::RateLimit::KeyKind::kRemoteAddress);
    c.meta.name = "filter-" + std::to_string(kind);
    c.targetRefs.push_back({"VirtualService", "vs", "default", {}});
    set.rateLimitConfigs.push_back(c);
  }
  auto snapshot = std::make_shared<route::Snapshot>();
  snapshot->rateLimits = RateLimitPolicySet::build(registry(), set);
  route::Route route;
  route.virtualService = "default/vs";
  filter::testing::FakeStreamContext ctx(snapshot);
  ctx.request().method = "GET";
  ctx.request().path = "/api/items";
  ctx.request().authority = "api.example.com";
  ctx.request().headers.add("user-agent", "bench");
  ctx.state().match.route = &route;
  static const auto addresses = clients(10'000);
  std::size_t i = 0;
  for (auto _ : state) {
    filter::RateLimitFilter f(nullptr, addresses[i++ % addresses.size()]);
    benchmark::DoNotOptimize(f.decodeHeaders(ctx));
    http::ResponseHead head;
    f.encodeHeaders(ctx, head);
    benchmark::DoNotOptimize(head);
  }
}
// Just writing the three x-ratelimit-* headers into a fresh response head (HeaderMap::set).
void BM_ResponseHeadersOnly(benchmark::State& state) {
  RateLimitDecision d;
  d.applied = true;
  d.limit = 1000;
  d.remaining = 998;
  d.resetSeconds = 1;
  for (auto _ : state) {
    http::ResponseHead head;
    d.addHeaders(head.headers);
    benchmark::DoNotOptimize(head);
  }
}
BENCHMARK(BM_ResponseHeadersOnly);

void BM_FilterNoPolicy(benchmark::State& state) { runFilter(state, 0); }
BENCHMARK(BM_FilterNoPolicy);
void BM_FilterLocalUnkeyed(benchmark::State& state) { runFilter(state, 1); }
BENCHMARK(BM_FilterLocalUnkeyed);
void BM_FilterLocalKeyed10kClients(benchmark::State& state) { runFilter(state, 2); }
BENCHMARK(BM_FilterLocalKeyed10kClients);

// A redis-server for the Redis benchmarks, stopped by pid at exit.
class RedisForBench {
 public:
  RedisForBench() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port_ = probe.local_endpoint().port();
    probe.close();
    std::string port = std::to_string(port_);
    std::vector<std::string> args = {
        "/usr/bin/redis-server", "--port", port,         "--bind", "127.0.0.1", "--save", "",
        "--appendonly",          "no",     "--loglevel", "warning"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ~RedisForBench() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

RedisForBench& redisServer() {
  static RedisForBench server;
  return server;
}

void runRedis(benchmark::State& state, uint64_t rps, bool lease = true) {
  auto config = configWith(rps, config::RateLimit::KeyKind::kNone, "/api");
  config.meta.name = "redis-" + std::to_string(rps);
  config.redis = config::RedisRateLimitBackend{redisServer().address(),
                                               config::Duration(50),
                                               config::RedisRateLimitBackend::FailureMode::kAllow,
                                               {}};
  auto policy = registry().compile(config);
  boost::asio::io_context io;
  RedisRateLimiter::Options options;
  if (!lease) options.leaseWindow = std::chrono::milliseconds(0);
  RedisRateLimiter limiter(io, registry().redisMetrics(), options);
  limiter.warmUp(redisServer().address());
  for (int i = 0; i < 200 && !limiter.connected(redisServer().address()); ++i)
    io.run_for(std::chrono::milliseconds(5));
  io.restart();
  Input in;
  uint64_t failures = 0;
  for (auto _ : state) {
    bool answered = false;
    auto sync =
        registry().decide(policy, in.input, "10.0.0.1", &limiter, [&](const RateLimitDecision& d) {
          answered = true;
          failures += d.failureMode;
        });
    if (sync) {
      failures += sync->failureMode;
      continue;
    }
    while (!answered) io.run_one();
  }
  state.counters["failureMode"] = static_cast<double>(failures);
}

// 10M rps: a 10 ms lease is 100k tokens, so nearly every request is a lease hit.
void BM_RedisLeaseHit(benchmark::State& state) { runRedis(state, 10'000'000); }
BENCHMARK(BM_RedisLeaseHit);

// 50 rps: no lease (1 token per call); admitted requests cost one round-trip each, the
// rest hit the deny cache. Offered back to back, so almost all are deny-cache hits.
void BM_RedisLowRate(benchmark::State& state) { runRedis(state, 50); }
BENCHMARK(BM_RedisLowRate);

// Leases off and a limit the benchmark never reaches: every request is one round-trip.
void BM_RedisRoundTrip(benchmark::State& state) { runRedis(state, 1'000'000, false); }
BENCHMARK(BM_RedisRoundTrip);

// The whole filter with a Redis-backed limit that admits everything (1e9 per second: a 10 ms
// lease is 10M tokens), as the data plane runs it: the worker's limiter, decisions served
// from the lease, the occasional call to Redis answered on the io_context.
void BM_FilterRedisLease(benchmark::State& state) {
  auto c = configWith(1'000'000'000, config::RateLimit::KeyKind::kNone);
  c.meta.name = "filter-redis";
  c.targetRefs.push_back({"VirtualService", "vs", "default", {}});
  c.redis = config::RedisRateLimitBackend{redisServer().address(), config::Duration(50),
                                          config::RedisRateLimitBackend::FailureMode::kAllow,
                                          {}};
  config::ConfigSet set;
  set.rateLimitConfigs.push_back(c);
  auto snapshot = std::make_shared<route::Snapshot>();
  snapshot->rateLimits = RateLimitPolicySet::build(registry(), set);
  boost::asio::io_context io;
  RedisRateLimiter limiter(io, registry().redisMetrics());
  limiter.warmUp(redisServer().address());
  for (int i = 0; i < 200 && !limiter.connected(redisServer().address()); ++i)
    io.run_for(std::chrono::milliseconds(5));
  io.restart();
  route::Route route;
  route.virtualService = "default/vs";
  filter::testing::FakeStreamContext ctx(snapshot);
  ctx.request().method = "GET";
  ctx.request().path = "/api/items";
  ctx.request().authority = "api.example.com";
  ctx.state().match.route = &route;
  uint64_t waits = 0;
  for (auto _ : state) {
    filter::RateLimitFilter f(&limiter, "10.0.0.1");
    auto status = f.decodeHeaders(ctx);
    if (status == filter::FilterStatus::kStopIteration) {
      ++waits;
      ctx.delay_.reset();
      while (!ctx.delay_) io.run_one();
      status = f.onResume(ctx);
    }
    benchmark::DoNotOptimize(status);
    http::ResponseHead head;
    f.encodeHeaders(ctx, head);
    benchmark::DoNotOptimize(head);
    f.onComplete(ctx);
  }
  state.counters["redisWaits"] = static_cast<double>(waits);
}
BENCHMARK(BM_FilterRedisLease);

}  // namespace
}  // namespace portico::ratelimit
