#include "portico/filter/fault_filter.h"

#include <gtest/gtest.h>

#include "fake_stream_context.h"

namespace portico::filter {
namespace {

using testing::FakeStreamContext;

TEST(FaultFilter, AbortAnswersWithStatusAndFlag) {
  auto route = testing::forwardRoute("c");
  route::FaultPolicy fault;
  fault.abortStatus = 503;
  fault.abortPerMillion = 1000000;
  route->fault = fault;
  FakeStreamContext ctx;
  ctx.state().match.route = route.get();
  FaultFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kStopIteration);
  ASSERT_TRUE(ctx.state().localReply);
  EXPECT_EQ(ctx.state().localReply->head.status, 503u);
  EXPECT_EQ(ctx.state().localReply->body, "fault filter abort");
  EXPECT_EQ(ctx.state().responseFlags, "FI");
}

TEST(FaultFilter, DelayThenAbortAfterResume) {
  auto route = testing::forwardRoute("c");
  route::FaultPolicy fault;
  fault.delay = std::chrono::milliseconds(1500);
  fault.delayPerMillion = 1000000;
  fault.abortStatus = 429;
  fault.abortPerMillion = 1000000;
  route->fault = fault;
  FakeStreamContext ctx;
  ctx.state().match.route = route.get();
  FaultFilter filter;
  EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kStopIteration);
  EXPECT_EQ(ctx.delay_, std::chrono::milliseconds(1500));
  EXPECT_FALSE(ctx.state().localReply);
  EXPECT_EQ(filter.onResume(ctx), FilterStatus::kStopIteration);
  EXPECT_EQ(ctx.state().localReply->head.status, 429u);
  EXPECT_EQ(ctx.state().responseFlags, "DI,FI");
}

TEST(FaultFilter, PercentagesUseTheRandomSource) {
  auto route = testing::forwardRoute("c");
  route::FaultPolicy fault;
  fault.abortStatus = 500;
  fault.abortPerMillion = 250000;  // 25%
  route->fault = fault;
  FaultFilter filter;
  {
    FakeStreamContext ctx;
    ctx.state().match.route = route.get();
    ctx.randoms = {249999};
    EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kStopIteration);
  }
  {
    FakeStreamContext ctx;
    ctx.state().match.route = route.get();
    ctx.randoms = {250000};
    EXPECT_EQ(filter.decodeHeaders(ctx), FilterStatus::kContinue);
  }
}

}  // namespace
}  // namespace portico::filter
