#include "portico/filter/filter_chain.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_stream_context.h"

namespace portico::filter {
namespace {

using testing::FakeStreamContext;

// Records the calls it gets into a shared trace.
class TraceFilter final : public Filter {
 public:
  TraceFilter(std::string name, std::vector<std::string>& trace, bool stop = false)
      : name_(std::move(name)), trace_(trace), stop_(stop) {}
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override {
    trace_.push_back("decode " + name_);
    if (stop_) {
      ctx.resumeAfter(std::chrono::milliseconds(1));
      return FilterStatus::kStopIteration;
    }
    return FilterStatus::kContinue;
  }
  FilterStatus onResume(StreamContext&) noexcept override {
    trace_.push_back("resume " + name_);
    return FilterStatus::kContinue;
  }
  void encodeHeaders(StreamContext&, http::ResponseHead&) noexcept override {
    trace_.push_back("encode " + name_);
  }
  void onComplete(StreamContext&) noexcept override { trace_.push_back("complete " + name_); }

 private:
  std::string name_;
  std::vector<std::string>& trace_;
  bool stop_;
};

TEST(FilterChain, StopsResumesAndEncodesInReverse) {
  std::vector<std::string> trace;
  std::vector<std::unique_ptr<Filter>> filters;
  filters.push_back(std::make_unique<TraceFilter>("a", trace));
  filters.push_back(std::make_unique<TraceFilter>("b", trace, true));
  filters.push_back(std::make_unique<TraceFilter>("c", trace));
  FilterChain chain(std::move(filters));
  FakeStreamContext ctx;
  EXPECT_EQ(chain.decodeHeaders(ctx), FilterStatus::kStopIteration);
  EXPECT_EQ(chain.resume(ctx), FilterStatus::kContinue);
  http::ResponseHead head;
  chain.encodeHeaders(ctx, head);
  chain.onComplete(ctx);
  chain.onComplete(ctx);  // terminal call happens once
  EXPECT_EQ(trace, (std::vector<std::string>{"decode a", "decode b", "resume b", "decode c",
                                             "encode c", "encode b", "encode a", "complete a",
                                             "complete b", "complete c"}));
}

TEST(FilterChain, FiltersAfterALocalReplyDoNotRun) {
  std::vector<std::string> trace;
  std::vector<std::unique_ptr<Filter>> filters;
  filters.push_back(std::make_unique<TraceFilter>("a", trace, true));
  filters.push_back(std::make_unique<TraceFilter>("b", trace));
  FilterChain chain(std::move(filters));
  FakeStreamContext ctx;
  chain.decodeHeaders(ctx);
  chain.onComplete(ctx);
  EXPECT_EQ(trace, (std::vector<std::string>{"decode a", "complete a"}));
}

TEST(FilterChain, DefaultChainWithoutListenerAnswers404NR) {
  FilterChain chain = FilterChain::makeDefault();
  EXPECT_EQ(chain.size(), 8u);
  FakeStreamContext ctx;  // empty snapshot: no listener on this port
  ctx.request().authority = "example.com";
  ctx.request().path = "/";
  EXPECT_EQ(chain.decodeHeaders(ctx), FilterStatus::kStopIteration);
  ASSERT_TRUE(ctx.state().localReply);
  EXPECT_EQ(ctx.state().localReply->head.status, 404u);
  EXPECT_EQ(ctx.state().responseFlags, "NR");
}

}  // namespace
}  // namespace portico::filter
