// Rate limiting end to end: the real portico binary in front of a loopback upstream, with
// local limits and with limits kept in a real redis-server the test starts on a free port.
// Load comes from a paced HTTP/1.1 client (Beast, keep-alive) so that offered rates and
// the answers' timing are known; every process is stopped by pid when its object dies.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/configs.h"
#include "support/gateway.h"
#include "support/redis_server.h"

namespace portico::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Sample {
  Clock::duration at{};       // when it was sent, from the load's start
  Clock::duration latency{};  // until the whole response was read
  int status = 0;             // 0: no answer (timeout or connection error)
  std::string limit, remaining, reset, retryAfter;
};

struct LoadSpec {
  uint16_t port = 0;
  std::string path = "/";
  double rps = 10;
  Clock::duration duration = 1s;
  std::string sourceAddress = "127.0.0.1";  // any 127/8 address is local on Linux
  std::vector<std::pair<std::string, std::string>> headers{};
  Clock::duration timeout = 2s;
};

// Sends GET `spec.path` at `spec.rps` (request i due at start + i/rps; a late answer makes
// the next ones go at once) on one keep-alive connection, reconnecting when it drops.
asio::awaitable<void> pacedLoad(LoadSpec spec, Clock::time_point start, std::vector<Sample>& out) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::endpoint gateway(asio::ip::make_address("127.0.0.1"), spec.port);
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  asio::steady_timer pace(executor);
  for (long i = 0;; ++i) {
    auto due = start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(static_cast<double>(i) / spec.rps));
    if (due >= start + spec.duration) break;
    pace.expires_at(due);
    co_await pace.async_wait(asio::as_tuple(asio::use_awaitable));
    Sample sample;
    auto sent = Clock::now();
    sample.at = sent - start;
    boost::system::error_code ec;
    if (!stream) {
      stream.emplace(executor);
      stream->socket().open(asio::ip::tcp::v4(), ec);
      if (!ec) stream->socket().bind({asio::ip::make_address(spec.sourceAddress), 0}, ec);
      stream->expires_after(spec.timeout);
      if (!ec) std::tie(ec) = co_await stream->async_connect(gateway, asio::as_tuple(asio::use_awaitable));
    }
    http::request<http::empty_body> request{http::verb::get, spec.path, 11};
    request.set(http::field::host, "api.example.com");
    for (const auto& [name, value] : spec.headers) request.set(name, value);
    http::response<http::string_body> response;
    if (!ec) {
      stream->expires_after(spec.timeout);
      std::tie(ec, std::ignore) =
          co_await http::async_write(*stream, request, asio::as_tuple(asio::use_awaitable));
    }
    if (!ec) {
      std::tie(ec, std::ignore) = co_await http::async_read(*stream, buffer, response,
                                                            asio::as_tuple(asio::use_awaitable));
    }
    sample.latency = Clock::now() - sent;
    if (!ec) {
      sample.status = static_cast<int>(response.result_int());
      auto field = [&](const char* name) { return std::string(response[name]); };
      sample.limit = field("x-ratelimit-limit");
      sample.remaining = field("x-ratelimit-remaining");
      sample.reset = field("x-ratelimit-reset");
      sample.retryAfter = field("retry-after");
    }
    if (ec || !response.keep_alive()) {
      stream.reset();
      buffer.clear();
    }
    out.push_back(std::move(sample));
  }
}

// Runs every load at once on this thread; results in spec order.
std::vector<std::vector<Sample>> runLoads(const std::vector<LoadSpec>& specs) {
  asio::io_context io;
  std::vector<std::vector<Sample>> results(specs.size());
  auto start = Clock::now() + 20ms;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    asio::co_spawn(io, pacedLoad(specs[i], start, results[i]), asio::detached);
  }
  io.run();
  return results;
}

std::vector<Sample> runLoad(const LoadSpec& spec) { return runLoads({spec}).front(); }

int countStatus(const std::vector<Sample>& samples, int status, Clock::duration from = 0s,
                Clock::duration to = 24h) {
  int n = 0;
  for (const auto& s : samples) n += s.status == status && s.at >= from && s.at < to;
  return n;
}

Clock::duration slowest(const std::vector<Sample>& samples) {
  Clock::duration worst{};
  for (const auto& s : samples) worst = std::max(worst, s.latency);
  return worst;
}

long ms(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// The single-route config (VirtualService default/vs -> upstream app) plus `rateLimit`.
std::string config(uint16_t port, uint16_t upstreamPort, const std::string& rateLimit) {
  return singleRouteConfig(port, upstreamPort) + "---\n" + rateLimit;
}

std::string redisLimit(const std::string& address, int rps, int burst, const char* failureMode) {
  return fill(R"(apiVersion: portico.dev/v1alpha1
kind: RateLimitConfig
metadata: {name: shared}
spec:
  targetRefs: [{kind: VirtualService, name: vs}]
  limits:
  - name: api
    requestsPerUnit: {{RPS}}
    unit: SECOND
    burst: {{BURST}}
  backend:
    redis: {address: "{{ADDRESS}}", timeout: 50ms, failureMode: {{MODE}}}
)",
              {{"RPS", std::to_string(rps)},
               {"BURST", std::to_string(burst)},
               {"ADDRESS", address},
               {"MODE", failureMode}});
}

TEST(RateLimitTest, LocalLimitAdmitsItsBucketAtOnceThenItsRate) {
  TempDir dir;
  Upstream app("app");
  uint16_t port = freePort();
  Gateway gw(dir, config(port, app.port(), R"(apiVersion: portico.dev/v1alpha1
kind: RateLimitConfig
metadata: {name: ten}
spec:
  targetRefs: [{kind: VirtualService, name: vs}]
  limits:
  - name: all
    requestsPerUnit: 10
    unit: SECOND
    burst: 5
)"));
  ASSERT_TRUE(gw.ready()) << gw.log();

  // 30 requests back to back: the full bucket, 10 + burst, and not more (a token refills
  // every 100 ms; the burst takes a few ms).
  LoadSpec blast{.port = port, .rps = 2000, .duration = 15ms};
  auto first = runLoad(blast);
  ASSERT_EQ(first.size(), 30u);
  ASSERT_LT(first.back().at, 100ms) << "the machine is too loaded for this measurement";
  EXPECT_EQ(countStatus(first, 200), 15);
  EXPECT_EQ(countStatus(first, 429), 15);
  EXPECT_EQ(first.front().limit, "10");
  EXPECT_EQ(first.front().remaining, "14");
  EXPECT_EQ(first.front().reset, "1");  // 100 ms until full again, rounded up
  EXPECT_EQ(first[14].remaining, "0");
  EXPECT_EQ(first[15].status, 429);
  EXPECT_EQ(first[15].retryAfter, "1");
  EXPECT_EQ(first[15].remaining, "0");
  EXPECT_EQ(first[15].limit, "10");

  // Then 40 rps offered for 3 s: about 10 admitted per second.
  auto steady = runLoad({.port = port, .rps = 40, .duration = 3s});
  ASSERT_GE(steady.size(), 115u);
  for (int second = 0; second < 3; ++second) {
    int admitted = countStatus(steady, 200, second * 1s, (second + 1) * 1s);
    EXPECT_GE(admitted, 9) << "second " << second;
    EXPECT_LE(admitted, 12) << "second " << second;
  }
  EXPECT_EQ(countStatus(steady, 200) + countStatus(steady, 429), static_cast<int>(steady.size()));
}

TEST(RateLimitTest, HeaderAndRemoteAddressKeysGiveEachClientItsOwnBucket) {
  TempDir dir;
  Upstream app("app");
  uint16_t port = freePort();
  Gateway gw(dir, config(port, app.port(), R"(apiVersion: portico.dev/v1alpha1
kind: RateLimitConfig
metadata: {name: per-client}
spec:
  targetRefs: [{kind: VirtualService, name: vs}]
  limits:
  - name: by-key
    match: [{uri: {prefix: /by-key}}]
    key: {header: x-api-key}
    requestsPerUnit: 3
    unit: MINUTE
  - name: by-ip
    match: [{uri: {prefix: /by-ip}}]
    key: {remoteAddress: {}}
    requestsPerUnit: 3
    unit: MINUTE
)"));
  ASSERT_TRUE(gw.ready()) << gw.log();

  auto five = [&](std::string path, std::string source,
                  std::vector<std::pair<std::string, std::string>> headers) {
    LoadSpec spec{.port = port, .path = path, .rps = 100, .duration = 50ms};
    spec.sourceAddress = std::move(source);
    spec.headers = std::move(headers);
    auto samples = runLoad(spec);
    EXPECT_EQ(samples.size(), 5u);
    return countStatus(samples, 200);
  };
  EXPECT_EQ(five("/by-key", "127.0.0.1", {{"x-api-key", "alice"}}), 3);
  EXPECT_EQ(five("/by-key", "127.0.0.1", {{"x-api-key", "bob"}}), 3);
  EXPECT_EQ(five("/by-key", "127.0.0.1", {{"x-api-key", "alice"}}), 0);
  EXPECT_EQ(five("/by-key", "127.0.0.1", {}), 3) << "requests without the key share a bucket";
  EXPECT_EQ(five("/by-ip", "127.0.0.1", {{"x-api-key", "alice"}}), 3);
  EXPECT_EQ(five("/by-ip", "127.0.0.2", {{"x-api-key", "alice"}}), 3);
  EXPECT_EQ(five("/by-ip", "127.0.0.1", {}), 0);
  EXPECT_EQ(five("/other", "127.0.0.1", {}), 5) << "no limit matches /other";
}

TEST(RateLimitTest, TwoGatewaysShareOneRedisLimitAccurately) {
  RedisServer redis;
  Upstream app("app");
  TempDir dirA, dirB;
  uint16_t portA = freePort(), portB = freePort();
  // 50 rps, burst 20: the shared bucket holds 70 (requestsPerUnit + burst).
  auto limit = redisLimit(redis.address(), 50, 20, "DENY");
  Gateway a(dirA, config(portA, app.port(), limit));
  Gateway b(dirB, config(portB, app.port(), limit));
  ASSERT_TRUE(a.ready()) << a.log();
  ASSERT_TRUE(b.ready()) << b.log();
  std::this_thread::sleep_for(300ms);  // both connect to Redis at start (warm-up)

  auto results = runLoads({{.port = portA, .rps = 100, .duration = 10s},
                           {.port = portB, .rps = 100, .duration = 10s}});
  int admitted = countStatus(results[0], 200) + countStatus(results[1], 200);
  int limited = countStatus(results[0], 429) + countStatus(results[1], 429);
  EXPECT_EQ(admitted + limited, static_cast<int>(results[0].size() + results[1].size()));
  // From a full bucket over the ~10 s between the first and last request:
  // 70 + 50 x 9.99 = 569.5 (docs/rate-limiting.md, "500 + burst" across replicas).
  Clock::duration span = std::max(results[0].back().at, results[1].back().at);
  double expected = 70 + 50 * std::chrono::duration<double>(span).count();
  EXPECT_NEAR(admitted, expected, expected * 0.05)
      << "A admitted " << countStatus(results[0], 200) << ", B " << countStatus(results[1], 200);
  EXPECT_GT(countStatus(results[0], 200), 100) << "both replicas get a share";
  EXPECT_GT(countStatus(results[1], 200), 100) << "both replicas get a share";
  for (const auto* r : {&results[0], &results[1]}) {
    for (const auto& s : *r) {
      if (s.status != 429) continue;
      EXPECT_EQ(s.limit, "50");
      EXPECT_EQ(s.remaining, "0");
      EXPECT_EQ(s.retryAfter, "1");
      break;
    }
  }
  std::cout << "[ figures  ] admitted " << admitted << " (A " << countStatus(results[0], 200)
            << ", B " << countStatus(results[1], 200) << "), expected " << expected << "\n";
}

// 50 rps offered against a 10 rps Redis limit for 7 s; Redis is SIGKILLed at 2 s and back
// on the same port at 4 s.
void outage(const char* failureMode) {
  RedisServer redis;
  Upstream app("app");
  TempDir dir;
  uint16_t port = freePort();
  Gateway gw(dir, config(port, app.port(), redisLimit(redis.address(), 10, 0, failureMode)));
  ASSERT_TRUE(gw.ready()) << gw.log();
  std::this_thread::sleep_for(300ms);

  std::vector<Sample> samples;
  std::thread load([&] { samples = runLoad({.port = port, .rps = 50, .duration = 7s}); });
  std::this_thread::sleep_for(2s);
  redis.kill();
  std::this_thread::sleep_for(2s);
  bool restarted = redis.start();
  load.join();
  ASSERT_TRUE(restarted);
  ASSERT_GE(samples.size(), 330u);

  // Before: Redis limits (10 from the full bucket + 10/s).
  EXPECT_LE(countStatus(samples, 200, 0s, 1900ms), 32);
  EXPECT_GE(countStatus(samples, 429, 0s, 1900ms), 50);
  // During the outage: failureMode decides every request.
  int during = 0;
  for (const auto& s : samples) during += s.at >= 2100ms && s.at < 3900ms;
  int expectStatus = std::string(failureMode) == "ALLOW" ? 200 : 429;
  EXPECT_EQ(countStatus(samples, expectStatus, 2100ms, 3900ms), during);
  // After: Redis decides again (reconnect backoff is at most 1 s): about 10/s admitted.
  int admittedAfter = countStatus(samples, 200, 5500ms, 7s);
  EXPECT_GE(admittedAfter, 8);
  EXPECT_LE(admittedAfter, 30);
  EXPECT_GE(countStatus(samples, 429, 5500ms, 7s), 40);
  // No stuck request: every one answered, none later than the 50 ms timeout + margin.
  EXPECT_EQ(countStatus(samples, 200) + countStatus(samples, 429),
            static_cast<int>(samples.size()));
  EXPECT_LT(slowest(samples), 500ms) << "slowest answer " << ms(slowest(samples)) << " ms";
  std::cout << "[ figures  ] " << failureMode << ": slowest answer " << ms(slowest(samples))
            << " ms, " << during << " requests during the outage\n";
}

TEST(RateLimitTest, RedisOutageWithFailureModeAllowAdmitsAndRecovers) { outage("ALLOW"); }

TEST(RateLimitTest, RedisOutageWithFailureModeDenyRejectsAndRecovers) { outage("DENY"); }

}  // namespace
}  // namespace portico::testing
