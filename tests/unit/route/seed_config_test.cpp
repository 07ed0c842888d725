// The seed article's configs, loaded from YAML by the real loader and compiled: the Gateway
// with each of its three VirtualServices in turn (they share a name, as the article evolves
// one resource).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "portico/config/config_set.h"
#include "portico/route/snapshot_compiler.h"
#include "route_test_util.h"

namespace portico::route {
namespace {

using namespace testing;

// The seed is prose with YAML documents embedded: each starts at "apiVersion:" and ends at
// the first unindented line that is not a YAML key.
std::vector<std::string> seedDocuments() {
  std::vector<std::string> docs;
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(PORTICO_SHARED_DIR) + "/seed")) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line;
    std::string block;
    bool inBlock = false;
    auto flush = [&] {
      if (!block.empty()) docs.push_back(block);
      block.clear();
      inBlock = false;
    };
    while (std::getline(in, line)) {
      bool key =
          !line.empty() && line.find(':') != std::string::npos && line.find(' ') > line.find(':');
      if (line.rfind("apiVersion:", 0) == 0) {
        flush();
        inBlock = true;
      } else if (inBlock && !line.empty() && line[0] != ' ' && line[0] != '-' && !key) {
        flush();
      }
      if (inBlock) block += line + "\n";
    }
    flush();
  }
  return docs;
}

class SeedConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("portico-route-seed-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    for (const auto& doc : seedDocuments()) {
      if (doc.find("kind: Gateway") != std::string::npos) gateway_ = doc;
      if (doc.find("kind: VirtualService") != std::string::npos) virtualServices_.push_back(doc);
    }
    ASSERT_FALSE(gateway_.empty());
    ASSERT_EQ(virtualServices_.size(), 3u);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Loads the Gateway plus seed VirtualService `index` and compiles them.
  Compiled load(std::size_t index) {
    write("00-gateway.yaml", gateway_);
    write("10-vs.yaml", virtualServices_[index]);
    auto set = config::loadConfig({dir_.string()});
    EXPECT_FALSE(set.diagnostics.hasErrors()) << set.diagnostics.format();
    Compiled c;
    c.snapshot = compileSnapshot(std::make_shared<const config::ConfigSet>(std::move(set)),
                                 CompileOptions{}, c.diagnostics);
    return c;
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  std::filesystem::path dir_;
  std::string gateway_;
  std::vector<std::string> virtualServices_;
};

const ForwardAction& forwardOf(const RouteMatch& m) {
  return std::get<ForwardAction>(m.route->action);
}

TEST_F(SeedConfigTest, GatewayOpensPort80ForAnyHost) {
  write("00-gateway.yaml", gateway_);
  auto set = config::loadConfig({dir_.string()});
  ASSERT_FALSE(set.diagnostics.hasErrors()) << set.diagnostics.format();
  config::Diagnostics d;
  auto snapshot = compileSnapshot(std::make_shared<const config::ConfigSet>(std::move(set)), {}, d);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->listeners.size(), 1u);
  const Listener* l = snapshot->listener(80);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->protocol, config::Protocol::kHttp);
  ASSERT_EQ(l->servers.size(), 1u);
  EXPECT_EQ(l->servers[0].gateway, "default/product-gateway");
  EXPECT_EQ(l->servers[0].hosts, std::vector<std::string>{"*"});
  // No VirtualService yet: every request is a 404.
  EXPECT_EQ(l->virtualHosts.find("example.com"), nullptr);
  EXPECT_EQ(snapshot->version.size(), 16u);
}

TEST_F(SeedConfigTest, PrefixRoute) {
  Compiled c = load(0);
  ASSERT_TRUE(c.snapshot);
  const VirtualHost* vh = c.vhost(80, "shop.example.com:80");
  ASSERT_NE(vh, nullptr);
  EXPECT_EQ(vh->domains(), std::vector<std::string>{"*"});
  auto m = vh->match(get("/products/42").input());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->matchedPathLength, 9u);
  EXPECT_EQ(m->route->rewrite.kind, PathRewrite::Kind::kNone);
  const auto& f = forwardOf(*m);
  ASSERT_EQ(f.clusters.size(), 1u);
  EXPECT_EQ(f.clusters[0].clusterName, "outbound|8080||product-service.default.svc.cluster.local");
  const auto* cluster = c.snapshot->cluster(f.clusters[0].clusterName);
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(cluster->discovery, upstream::ClusterConfig::Discovery::kStrictDns);
  EXPECT_EQ(cluster->endpoints[0].address, "product-service.default.svc.cluster.local");
  EXPECT_EQ(cluster->endpoints[0].port, 8080);
  // Plain string prefix; no other route.
  EXPECT_TRUE(vh->match(get("/productsX").input()));
  EXPECT_FALSE(vh->match(get("/orders").input()));
  EXPECT_FALSE(vh->match(get("/").input()));
}

TEST_F(SeedConfigTest, RewriteToSlashWithHeaderAdd) {
  Compiled c = load(1);
  ASSERT_TRUE(c.snapshot);
  auto m = c.vhost(80, "any")->match(get("/products/42").input());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route->rewrite.kind, PathRewrite::Kind::kPrefix);
  EXPECT_EQ(m->route->rewrite.replacement, "/");
  EXPECT_EQ(m->matchedPathLength, 9u);  // "/products" is replaced: /products/42 -> //42
  EXPECT_EQ(m->route->requestHeaders.add,
            (std::vector<std::pair<std::string, std::string>>{{"x-forwarded-proto", "https"}}));
  EXPECT_EQ(forwardOf(*m).clusters[0].clusterName,
            "outbound|8080||product-service.default.svc.cluster.local");
}

TEST_F(SeedConfigTest, NinetyTenSplit) {
  Compiled c = load(2);
  ASSERT_TRUE(c.snapshot);
  auto m = c.vhost(80, "any")->match(get("/products").input());
  ASSERT_TRUE(m);
  const auto& f = forwardOf(*m);
  ASSERT_EQ(f.clusters.size(), 2u);
  EXPECT_EQ(f.clusters[0].clusterName, "outbound|8080||product-service.default.svc.cluster.local");
  EXPECT_EQ(f.clusters[0].weight, 90u);
  EXPECT_EQ(f.clusters[1].clusterName,
            "outbound|8080||product-service-v2.default.svc.cluster.local");
  EXPECT_EQ(f.clusters[1].weight, 10u);
  EXPECT_EQ(f.totalWeight, 100u);
  EXPECT_NE(c.snapshot->cluster(f.clusters[1].clusterName), nullptr);
  std::mt19937 rng(1);
  int v2 = 0;
  for (int i = 0; i < 20000; ++i) {
    if (&f.pick(rng() % f.totalWeight) == &f.clusters[1]) ++v2;
  }
  EXPECT_NEAR(v2 / 20000.0, 0.10, 0.015);
}

}  // namespace
}  // namespace portico::route
