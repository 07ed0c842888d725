// The portico command line: flags, validation before start, graceful drain.
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

TEST(Daemon, VersionAndHelp) {
  auto v = runCommand(std::string(PORTICO_BINARY) + " --version");
  EXPECT_EQ(v.exitCode, 0);
  EXPECT_NE(v.output.find("portico"), std::string::npos);
  auto h = runCommand(std::string(PORTICO_BINARY) + " --help");
  EXPECT_EQ(h.exitCode, 0);
  for (const char* flag : {"--config", "--concurrency", "--admin-address", "--gateway-labels",
                           "--bind-address", "--log-level", "--access-log", "--drain-time-s"}) {
    EXPECT_NE(h.output.find(flag), std::string::npos) << flag;
  }
}

TEST(Daemon, BadFlagExitsNonZero) {
  auto r = runCommand(std::string(PORTICO_BINARY) + " --no-such-flag");
  EXPECT_NE(r.exitCode, 0);
}

TEST(Daemon, InvalidConfigRefusesToStartAndNamesThePlace) {
  TempDir dir;
  uint16_t port = freePort();
  dir.write("bad.yaml", seedGateway(port) +
                            "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                            "metadata: {name: bad}\nspec:\n  hosts: [\"*\"]\n  gateways: [product-gateway]\n"
                            "  http:\n  - match:\n    - uri:\n        regex: \"(unclosed\"\n"
                            "    directResponse: {status: 200}\n");
  auto r = runCommand(std::string(PORTICO_BINARY) + " -c " + (dir.path() / "bad.yaml").string() +
                          " --admin-address 127.0.0.1:" + std::to_string(freePort()),
                      std::chrono::seconds(20));
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.output.find("bad.yaml:25:9: VirtualService default/bad"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("VirtualService default/bad: spec.http[0].match[0].uri.regex"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(waitForPort(port, std::chrono::milliseconds(200)));
}

TEST(Daemon, ValidateSubcommand) {
  TempDir dir;
  auto good = dir.write("good.yaml", seedGateway(8080));
  auto v = runCommand(std::string(PORTICO_BINARY) + " validate " + good.string());
  EXPECT_EQ(v.exitCode, 0) << v.output;
  auto bad = dir.write("bad.yaml", "kind: Gateway\napiVersion: networking.istio.io/v1\nmetadata: {name: g}\nspec: {servers: []}\n");
  auto b = runCommand(std::string(PORTICO_BINARY) + " validate " + bad.string());
  EXPECT_EQ(b.exitCode, 1) << b.output;
  EXPECT_NE(b.output.find("gateway must have at least one server"), std::string::npos) << b.output;
}

TEST(Daemon, SigtermDrainsInFlightRequestsThenExitsZero) {
  TempDir dir;
  Upstream app("app");
  uint16_t port = freePort();
  Gateway gw(dir, singleRouteConfig(port, app.port()),
             {.extraArgs = {"--drain-time-s", "5"}});
  ASSERT_TRUE(gw.ready()) << gw.log();
  HttpResult slow;
  std::thread client([&] { slow = curl("http://127.0.0.1:" + std::to_string(port) + "/delay/1500"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  gw.process().signal(SIGTERM);
  client.join();
  EXPECT_EQ(slow.status, 200) << slow.raw;
  EXPECT_EQ(gw.process().wait(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace portico::testing
