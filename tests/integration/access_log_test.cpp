// Access-log formats and reopening, and the tracing headers a request carries through.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <csignal>
#include <filesystem>
#include <thread>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

// Lines of `path`, waiting until at least `count` are there (the writer is a thread).
std::vector<std::string> waitForLines(const std::filesystem::path& path, std::size_t count) {
  std::vector<std::string> lines;
  for (int i = 0; i < 100; ++i) {
    lines.clear();
    std::string text = std::filesystem::exists(path) ? readFile(path) : "";
    for (std::size_t pos = 0, end; (end = text.find('\n', pos)) != std::string::npos;
         pos = end + 1) {
      lines.push_back(text.substr(pos, end - pos));
    }
    if (lines.size() >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return lines;
}

class AccessLogTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--access-log", logPath.string()});
    gw = std::make_unique<Gateway>(dir, singleRouteConfig(port, app.port()),
                                   GatewayOptions{.extraArgs = extra});
    ASSERT_TRUE(gw->ready()) << gw->log();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }

  TempDir dir;
  Upstream app{"app"};
  uint16_t port = freePort();
  std::filesystem::path logPath = dir.path() / "access.log";
  std::unique_ptr<Gateway> gw;
};

TEST_F(AccessLogTest, JsonLinesParseAndCarryTheFields) {
  start({"--access-log-format", "json"});
  ASSERT_EQ(curl("-A 'agent \"q\"' -H 'x-request-id: rid-1' -H 'x-forwarded-for: 10.1.2.3' '" +
                 url("/echo?a=1") + "'")
                .status,
            200);
  ASSERT_EQ(curl("-X POST -d hello -H 'Host: shop.example' " + url("/posted")).status, 200);
  auto lines = waitForLines(logPath, 2);
  ASSERT_EQ(lines.size(), 2u);
  boost::system::error_code ec;
  auto first = boost::json::parse(lines[0], ec);
  ASSERT_FALSE(ec) << lines[0];
  const auto& o = first.as_object();
  for (const char* field :
       {"start_time", "method", "path", "protocol", "response_code", "response_flags",
        "bytes_received", "bytes_sent", "duration", "upstream_service_time", "x_forwarded_for",
        "user_agent", "x_request_id", "authority", "upstream_host"}) {
    EXPECT_TRUE(o.contains(field)) << field << " in " << lines[0];
  }
  EXPECT_EQ(o.at("method").as_string(), "GET");
  EXPECT_EQ(o.at("path").as_string(), "/echo?a=1");
  EXPECT_EQ(o.at("protocol").as_string(), "HTTP/1.1");
  EXPECT_EQ(o.at("response_code").as_int64(), 200);
  EXPECT_TRUE(o.at("response_flags").is_null());
  EXPECT_EQ(o.at("user_agent").as_string(), "agent \"q\"");
  EXPECT_EQ(o.at("x_request_id").as_string(), "rid-1");
  EXPECT_EQ(o.at("x_forwarded_for").as_string(), "10.1.2.3,127.0.0.1");
  EXPECT_EQ(o.at("upstream_host").as_string(), "127.0.0.1:" + std::to_string(app.port()));
  EXPECT_GT(o.at("bytes_sent").as_int64(), 0);

  auto second = boost::json::parse(lines[1], ec);
  ASSERT_FALSE(ec) << lines[1];
  EXPECT_EQ(second.at("method").as_string(), "POST");
  EXPECT_EQ(second.at("bytes_received").as_int64(), 5);
  EXPECT_EQ(second.at("authority").as_string(), "shop.example");
  EXPECT_EQ(second.at("x_request_id").as_string().size(), 36u);  // generated UUID
}

TEST_F(AccessLogTest, DefaultIsEnvoyTextFormat) {
  start({});
  ASSERT_EQ(curl("-H 'x-request-id: rid-2' " + url("/text")).status, 200);
  auto lines = waitForLines(logPath, 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("] \"GET /text HTTP/1.1\" 200 - 0 "), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"rid-2\""), std::string::npos) << lines[0];
}

TEST_F(AccessLogTest, SigusrOneReopensTheFileAfterARename) {
  start({});
  ASSERT_EQ(curl(url("/before")).status, 200);
  ASSERT_EQ(waitForLines(logPath, 1).size(), 1u);
  auto rotated = dir.path() / "access.log.1";
  std::filesystem::rename(logPath, rotated);
  gw->process().signal(SIGUSR1);
  // The reopen happens on the writer thread; retry until the new file has our line.
  std::vector<std::string> fresh;
  for (int i = 0; i < 20 && fresh.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(curl(url("/after")).status, 200);
    fresh = waitForLines(logPath, 1);
  }
  ASSERT_FALSE(fresh.empty());
  EXPECT_NE(fresh[0].find("/after"), std::string::npos);
  std::string old = readFile(rotated);
  EXPECT_NE(old.find("/before"), std::string::npos);
  EXPECT_TRUE(gw->process().running());
}

TEST_F(AccessLogTest, TraceHeadersPassUnchangedAndRequestIdComesBack) {
  start({});
  const std::string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  HttpResult r =
      curl("-H 'traceparent: " + traceparent +
           "' -H 'tracestate: congo=t61rcWkgMzE' "
           "-H 'x-b3-traceid: 80f198ee56343ba864fe8b2a57d3eff7' "
           "-H 'x-b3-spanid: e457b5a2e4d86bd1' -H 'x-b3-parentspanid: 05e3ac9a4f6e3b90' "
           "-H 'x-b3-sampled: 1' -H 'b3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' " +
           url("/trace"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(echoedHeader(r.body, "traceparent"), traceparent);
  EXPECT_EQ(echoedHeader(r.body, "tracestate"), "congo=t61rcWkgMzE");
  EXPECT_EQ(echoedHeader(r.body, "x-b3-traceid"), "80f198ee56343ba864fe8b2a57d3eff7");
  EXPECT_EQ(echoedHeader(r.body, "x-b3-spanid"), "e457b5a2e4d86bd1");
  EXPECT_EQ(echoedHeader(r.body, "x-b3-parentspanid"), "05e3ac9a4f6e3b90");
  EXPECT_EQ(echoedHeader(r.body, "x-b3-sampled"), "1");
  EXPECT_EQ(echoedHeader(r.body, "b3"), "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1");
  // A generated x-request-id reaches the upstream and comes back to the client.
  std::string generated = echoedHeader(r.body, "x-request-id");
  EXPECT_EQ(generated.size(), 36u);
  EXPECT_EQ(r.headers["x-request-id"], generated);
  // One the client sent is kept.
  HttpResult kept = curl("-H 'x-request-id: mine-1' " + url("/trace"));
  EXPECT_EQ(echoedHeader(kept.body, "x-request-id"), "mine-1");
  EXPECT_EQ(kept.headers["x-request-id"], "mine-1");
}

}  // namespace
}  // namespace portico::testing
