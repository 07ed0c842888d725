// The config/ that the README's run command starts serves what its comments promise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/gateway.h"

namespace portico::testing {
namespace {

TEST(DefaultConfig, ValidatesCleanly) {
  auto r = runCommand(std::string(PORTICO_BINARY) + " validate " + PORTICO_SOURCE_DIR + "/config");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find(": 0 errors, 0 warnings"), std::string::npos) << r.output;
}

TEST(DefaultConfig, ServesHealthzRedirectAndProxiesProducts) {
  TempDir dir;
  Upstream product("product-service");
  const uint16_t port = freePort();
  // The same files, with the listener and upstream ports moved to free ones.
  std::string yaml = readFile(std::string(PORTICO_SOURCE_DIR) + "/config/gateway.yaml") + "\n---\n" +
                     readFile(std::string(PORTICO_SOURCE_DIR) + "/config/routes.yaml");
  for (auto [from, to] : {std::pair<std::string, std::string>{"number: 8080", "number: " + std::to_string(port)},
                          {"- number: 8081\n", "- number: 8081\n    targetPort: " + std::to_string(product.port()) + "\n"}}) {
    for (auto p = yaml.find(from); p != std::string::npos; p = yaml.find(from, p + to.size())) yaml.replace(p, from.size(), to);
  }
  Gateway gw(dir, yaml);
  ASSERT_TRUE(gw.ready()) << gw.log();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  auto health = curl(base + "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(health.headers["content-type"], "text/plain");

  auto docs = curl(base + "/docs");
  EXPECT_EQ(docs.status, 301);
  EXPECT_EQ(docs.headers["location"], "https://istio.io/latest/docs/reference/config/networking/virtual-service/");

  auto product42 = curl(base + "/products/42");
  EXPECT_EQ(product42.status, 200) << product42.raw;
  EXPECT_EQ(echoedTarget(product42.body), "/42");
  EXPECT_THAT(echoedHeaderValues(product42.body, "x-forwarded-proto"), ::testing::Contains("https"));

  EXPECT_EQ(curl(base + "/elsewhere").status, 404);
}

}  // namespace
}  // namespace portico::testing
