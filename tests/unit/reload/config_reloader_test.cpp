// The reloader's bookkeeping with real builds of real YAML: a bad config is counted and
// keeps the old snapshot; an apply that fails counts too; triggers during a build coalesce.
#include "portico/reload/config_reloader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "portico/reload/config_dump.h"
#include "support/process.h"

namespace portico::reload {
namespace {

using namespace std::chrono_literals;

constexpr const char* kGood =
    "apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata: {name: gw}\n"
    "spec:\n  selector: {istio: ingressgateway}\n  servers:\n"
    "  - port: {number: 8080, name: http, protocol: HTTP}\n    hosts: [\"*\"]\n";

class ConfigReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file = dir.write("gw.yaml", kGood);
    options.configPaths = {file.string()};
    auto first = buildSnapshot(options);
    ASSERT_TRUE(first.ok()) << first.diagnostics.format();
    reloader.setInitial(first.snapshot);
    reloader.onFinished([this] { ++finished; });
  }
  void write(const std::string& text) { std::ofstream(file, std::ios::trunc) << text; }
  void settle(int expectedFinished) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (finished < expectedFinished && std::chrono::steady_clock::now() < deadline) {
      context.restart();
      context.run_for(10ms);
    }
  }

  portico::testing::TempDir dir;
  std::filesystem::path file;
  core::ServerOptions options;
  boost::asio::io_context context;
  bool applyOk = true;
  int applied = 0;
  int finished = 0;
  ConfigReloader reloader{context, [this] { return buildSnapshot(options); },
                          [this](const route::SnapshotPtr&, std::string& error) {
                            if (!applyOk) {
                              error = "cannot listen on 0.0.0.0:8080: Address already in use";
                              return false;
                            }
                            ++applied;
                            return true;
                          }};
};

TEST_F(ConfigReloaderTest, GoodReloadChangesVersionBadOneIsCountedAndKeepsIt) {
  std::string v0 = reloader.status().version;
  write(std::string(kGood) + "    tls: {httpsRedirect: true}\n");
  reloader.request("test");
  settle(1);
  EXPECT_EQ(applied, 1);
  EXPECT_NE(reloader.status().version, v0);
  std::string v1 = reloader.status().version;

  write(std::string(kGood) + "  - port: [\n");
  reloader.request("test");
  settle(2);
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(reloader.status().attempts, 2u);
  EXPECT_EQ(reloader.status().failures, 1u);
  EXPECT_EQ(reloader.status().version, v1);
  EXPECT_NE(reloader.status().lastError.find("gw.yaml:10:1: YAML syntax error"), std::string::npos)
      << reloader.status().lastError;
  std::string dump = configDumpJson(*reloader.current(), reloader.status());
  EXPECT_NE(dump.find("\"last_error\""), std::string::npos);
  EXPECT_NE(dump.find("\"version\":\"" + v1 + "\""), std::string::npos);
}

TEST_F(ConfigReloaderTest, FailedApplyIsAFailureAndPublishesNothing) {
  applyOk = false;
  std::string v0 = reloader.status().version;
  write(std::string(kGood) + "    tls: {httpsRedirect: true}\n");
  reloader.request("test");
  settle(1);
  EXPECT_EQ(reloader.status().failures, 1u);
  EXPECT_EQ(reloader.status().version, v0);
  EXPECT_NE(reloader.status().lastError.find("Address already in use"), std::string::npos);
}

TEST_F(ConfigReloaderTest, RequestsDuringABuildCoalesceIntoOneMore) {
  reloader.request("a");
  reloader.request("b");
  reloader.request("c");
  reloader.request("d");
  settle(2);
  context.restart();
  context.run_for(100ms);
  EXPECT_EQ(finished, 2);
  EXPECT_EQ(reloader.status().attempts, 2u);
}

}  // namespace
}  // namespace portico::reload
