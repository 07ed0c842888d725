#include "portico/upstream/circuit_breaker.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "portico/upstream/connection_admission.h"

namespace portico::upstream {
namespace {

namespace asio = boost::asio;
using Clock = CircuitBreaker::Clock;
using namespace std::chrono_literals;

std::shared_ptr<CircuitBreaker> makeBreaker(asio::io_context& context,
                                            CircuitBreaker::Limits limits) {
  return std::make_shared<CircuitBreaker>(context.get_executor(), limits);
}

TEST(CircuitBreakerTest, ZeroLimitsAreUnlimitedAndCountNothing) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {});
  std::vector<CircuitBreaker::Slot> slots;
  for (int i = 0; i < 1000; ++i) {
    slots.push_back(breaker->admitRequest());
    slots.push_back(breaker->admitRetry());
    slots.push_back(breaker->admitPending());
    slots.push_back(breaker->admitConnection("10.0.0.1:80"));
  }
  for (const auto& s : slots) EXPECT_TRUE(s);
  EXPECT_EQ(breaker->requests(), 1000u);
  EXPECT_EQ(breaker->connections(), 1000u);
  EXPECT_EQ(breaker->counters.cxOverflow + breaker->counters.rqPendingOverflow +
                breaker->counters.retryOverflow,
            0u);
  slots.clear();
  EXPECT_EQ(breaker->requests(), 0u);
  EXPECT_EQ(breaker->retries(), 0u);
  EXPECT_EQ(breaker->pending(), 0u);
  EXPECT_EQ(breaker->connections(), 0u);
}

TEST(CircuitBreakerTest, RequestLimitRefusesAndCountsPendingOverflowUntilASlotIsFreed) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxRequests = 2});
  auto a = breaker->admitRequest();
  auto b = breaker->admitRequest();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_FALSE(breaker->admitRequest());
  EXPECT_FALSE(breaker->admitRequest());
  EXPECT_EQ(breaker->counters.rqPendingOverflow, 2u);
  a.release();
  a.release();  // idempotent
  EXPECT_EQ(breaker->requests(), 1u);
  EXPECT_TRUE(breaker->admitRequest());
}

TEST(CircuitBreakerTest, RetryAndPendingLimitsCountTheirOwnOverflows) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxPendingRequests = 1, .maxRetries = 1});
  auto retry = breaker->admitRetry();
  ASSERT_TRUE(retry);
  EXPECT_FALSE(breaker->admitRetry());
  EXPECT_EQ(breaker->counters.retryOverflow, 1u);
  auto pending = breaker->admitPending();
  ASSERT_TRUE(pending);
  EXPECT_FALSE(breaker->admitPending());
  EXPECT_EQ(breaker->counters.rqPendingOverflow, 1u);
  EXPECT_EQ(breaker->counters.cxOverflow, 0u);
}

TEST(CircuitBreakerTest, MovedSlotsGiveBackExactlyOnce) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxRequests = 1});
  CircuitBreaker::Slot outer;
  {
    CircuitBreaker::Slot inner = breaker->admitRequest();
    outer = std::move(inner);
  }
  EXPECT_EQ(breaker->requests(), 1u);
  CircuitBreaker::Slot other(std::move(outer));
  EXPECT_FALSE(outer);
  EXPECT_EQ(breaker->requests(), 1u);
  other = CircuitBreaker::Slot();
  EXPECT_EQ(breaker->requests(), 0u);
}

TEST(CircuitBreakerTest, ConnectionLimitIsPerClusterButAHostWithoutConnectionsMayOpenOne) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxConnections = 1});
  auto first = breaker->admitConnection("10.0.0.1:80");
  ASSERT_TRUE(first);
  EXPECT_FALSE(breaker->admitConnection("10.0.0.1:80"));
  EXPECT_EQ(breaker->counters.cxOverflow, 1u);
  // As Envoy: otherwise requests pending on this host could never be served.
  auto second = breaker->admitConnection("10.0.0.2:80");
  EXPECT_TRUE(second);
  EXPECT_FALSE(breaker->admitConnection("10.0.0.2:80"));
  EXPECT_EQ(breaker->counters.cxOverflow, 2u);
  second.release();
  EXPECT_FALSE(breaker->canOpenConnection("10.0.0.1:80"));
  first.release();
  EXPECT_TRUE(breaker->canOpenConnection("10.0.0.1:80"));
}

TEST(CircuitBreakerTest, AClosingConnectionWakesEveryWaiter) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxConnections = 1});
  auto held = breaker->admitConnection("10.0.0.1:80");
  auto deadline = Clock::now() + 10s;
  auto w1 = asio::co_spawn(context, breaker->waitForConnection(deadline), asio::use_future);
  auto w2 = asio::co_spawn(context, breaker->waitForConnection(deadline), asio::use_future);
  asio::post(context, [&] { asio::post(context, [&] { held.release(); }); });
  auto start = Clock::now();
  context.run_for(5s);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(w1.get());
  EXPECT_TRUE(w2.get());
}

TEST(CircuitBreakerTest, AConnectionGoingIdleWakesWaiters) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxConnections = 1});
  auto held = breaker->admitConnection("10.0.0.1:80");
  auto waiter =
      asio::co_spawn(context, breaker->waitForConnection(Clock::now() + 10s), asio::use_future);
  asio::post(context, [&] { asio::post(context, [&] { held.announceIdle(); }); });
  context.run_for(5s);
  EXPECT_TRUE(waiter.get());
  EXPECT_EQ(breaker->connections(), 1u);  // idle still counts
}

TEST(CircuitBreakerTest, AWaitEndsAtItsDeadline) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxConnections = 1});
  auto held = breaker->admitConnection("10.0.0.1:80");
  auto start = Clock::now();
  auto waiter =
      asio::co_spawn(context, breaker->waitForConnection(Clock::now() + 50ms), asio::use_future);
  context.run_for(5s);
  EXPECT_FALSE(waiter.get());
  EXPECT_GE(Clock::now() - start, 50ms);
  context.restart();
  auto late =
      asio::co_spawn(context, breaker->waitForConnection(Clock::now() - 1ms), asio::use_future);
  context.run_for(5s);
  EXPECT_FALSE(late.get());
}

TEST(ConnectionAdmissionTest, WaitsWithinThePendingLimitThenOpensWhenAConnectionCloses) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxConnections = 1, .maxPendingRequests = 1});
  auto host = std::make_shared<Host>(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 9), 1, 8, 60s);
  auto never = [] { return false; };
  auto held = breaker->admitConnection(host->address);
  auto waiting =
      asio::co_spawn(context, admitHttp1Connection(*breaker, host, true, Clock::now() + 10s, never),
                     asio::use_future);
  auto refused =
      asio::co_spawn(context, admitHttp1Connection(*breaker, host, true, Clock::now() + 10s, never),
                     asio::use_future);
  asio::post(context, [&] { asio::post(context, [&] { held.release(); }); });
  context.run_for(5s);
  ConnectionAdmission first = waiting.get();
  EXPECT_EQ(first.outcome, ConnectionAdmission::Outcome::kOpen);
  EXPECT_TRUE(first.slot);
  EXPECT_EQ(refused.get().outcome, ConnectionAdmission::Outcome::kOverflow);
  EXPECT_EQ(breaker->counters.cxOverflow, 1u);  // the one that waited
  EXPECT_EQ(breaker->counters.rqPendingOverflow, 1u);
  EXPECT_EQ(breaker->pending(), 0u);
  EXPECT_EQ(breaker->connections(), 1u);
}

TEST(ConnectionAdmissionTest, AWaitEndsAtTheDeadlineOrWhenTheClientLeaves) {
  asio::io_context context;
  auto breaker = makeBreaker(context, {.maxConnections = 1});
  auto host = std::make_shared<Host>(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 9), 1, 8, 60s);
  auto held = breaker->admitConnection(host->address);
  auto late = asio::co_spawn(
      context,
      admitHttp1Connection(*breaker, host, true, Clock::now() + 50ms, [] { return false; }),
      asio::use_future);
  bool gone = false;
  auto left = asio::co_spawn(
      context, admitHttp1Connection(*breaker, host, true, Clock::now() + 10s, [&] { return gone; }),
      asio::use_future);
  asio::post(context, [&] {
    gone = true;
    breaker->wakeWaiters();
  });
  auto start = Clock::now();
  context.run_for(5s);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(late.get().outcome, ConnectionAdmission::Outcome::kTimeout);
  EXPECT_EQ(left.get().outcome, ConnectionAdmission::Outcome::kAbandoned);
  EXPECT_EQ(breaker->pending(), 0u);
}

}  // namespace
}  // namespace portico::upstream
