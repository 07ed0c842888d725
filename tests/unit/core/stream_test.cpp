#include "portico/core/stream.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace portico::core {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Waited {
  bool done = false;
  std::optional<std::chrono::milliseconds> delay;
};

void awaitIn(asio::io_context& io, Stream& stream, std::chrono::milliseconds limit, Waited& out) {
  asio::co_spawn(
      io,
      [&io, &stream, limit, &out]() -> asio::awaitable<void> {
        out.delay = co_await stream.awaitResume(io.get_executor(), limit);
        out.done = true;
      },
      asio::detached);
}

// A filter that waits on I/O (rate limit on Redis) resumes the chain from a callback, after
// decodeHeaders() returned: the connection must wake at once, not at the guard timeout.
TEST(StreamTest, AwaitResumeWakesWhenAFilterResumesFromACallback) {
  asio::io_context io;
  std::mt19937 rng;
  Stream stream(std::make_shared<route::Snapshot>(), rng, 80);
  Waited waited;
  awaitIn(io, stream, 10s, waited);
  asio::steady_timer reply(io, 20ms);
  reply.async_wait([&](boost::system::error_code) { stream.resumeAfter(0ms); });
  auto start = Clock::now();
  io.run_for(5s);
  ASSERT_TRUE(waited.done);
  EXPECT_EQ(waited.delay, std::optional(0ms));
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST(StreamTest, AwaitResumeReturnsAtOnceWhenResumeWasAskedDuringDecode) {
  asio::io_context io;
  std::mt19937 rng;
  Stream stream(std::make_shared<route::Snapshot>(), rng, 80);
  stream.resumeAfter(250ms);  // a fault delay
  Waited waited;
  awaitIn(io, stream, 10s, waited);
  io.run_for(1s);
  ASSERT_TRUE(waited.done);
  EXPECT_EQ(waited.delay, std::optional(250ms));
}

TEST(StreamTest, AwaitResumeGivesUpAfterTheGuardWhenNoFilterResumes) {
  asio::io_context io;
  std::mt19937 rng;
  Stream stream(std::make_shared<route::Snapshot>(), rng, 80);
  Waited waited;
  awaitIn(io, stream, 30ms, waited);
  io.run_for(2s);
  ASSERT_TRUE(waited.done);
  EXPECT_FALSE(waited.delay);
}

}  // namespace
}  // namespace portico::core
