// Bodies stream through in both directions without being buffered whole.
#include <gtest/gtest.h>

#include <re2/re2.h>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

// Peak resident memory of a process, in KiB (VmHWM).
long peakRssKib(pid_t pid) {
  std::string status = readFile("/proc/" + std::to_string(pid) + "/status");
  long kib = 0;
  RE2::PartialMatch(status, R"(VmHWM:\s+(\d+) kB)", &kib);
  return kib;
}

using Streaming = SingleRouteGatewayTest;

TEST_F(Streaming, HundredMegabytesUpAndDownWithFlatMemory) {
  // Warm up, then take the baseline.
  ASSERT_EQ(curl(url("/warmup")).status, 200);
  const long before = peakRssKib(gw->process().pid());
  const std::string body = (dir.path() / "body.bin").string();
  ASSERT_EQ(runCommand("head -c 104857600 /dev/zero > " + body).exitCode, 0);

  // Upload, Content-Length framed.
  auto up = curl("--data-binary @" + body + " -H 'Content-Type: application/octet-stream' " +
                     url("/upload"),
                 std::chrono::seconds(120));
  EXPECT_EQ(up.status, 200) << up.raw.substr(0, 500);
  EXPECT_NE(up.body.find("\"body_bytes\":104857600"), std::string::npos) << up.body.substr(0, 300);

  // Upload, chunked.
  auto chunked = curl("--data-binary @" + body + " -H 'Transfer-Encoding: chunked' " + url("/upload"),
                      std::chrono::seconds(120));
  EXPECT_EQ(chunked.status, 200);
  EXPECT_NE(chunked.body.find("\"body_bytes\":104857600"), std::string::npos);

  // Download.
  auto down = runCommand("curl -s -o /dev/null -w '%{http_code} %{size_download}' " +
                             url("/bytes/104857600"),
                         std::chrono::seconds(120));
  EXPECT_EQ(down.output, "200 104857600");

  const long after = peakRssKib(gw->process().pid());
  // 300 MB moved; a streaming proxy's peak grows by buffers, not bodies.
  EXPECT_LT(after - before, 48 * 1024) << "peak RSS grew from " << before << " to " << after << " KiB";
}

TEST_F(Streaming, ExpectContinueIsHonoured) {
  auto r = curl("-H 'Expect: 100-continue' --data-binary 'hello' " + url("/expect"));
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_NE(r.body.find("\"body\":\"hello\""), std::string::npos) << r.body;
}

}  // namespace
}  // namespace portico::testing
