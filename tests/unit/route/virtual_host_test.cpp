#include "portico/route/virtual_host.h"

#include <gtest/gtest.h>

#include <random>

#include "portico/route/route_index.h"
#include "portico/route/virtual_host_table.h"
#include "route_test_util.h"

namespace portico::route {
namespace {

using namespace testing;

std::unique_ptr<Route> named(std::string name) {
  auto r = std::make_unique<Route>();
  r->name = std::move(name);
  return r;
}

std::string matchName(const VirtualHost& vh, const Request& r) {
  auto m = vh.match(r.input());
  return m ? m->route->name : "";
}

TEST(VirtualHostTest, FirstMatchWinsAcrossIndexedAndGenericRoutes) {
  VirtualHost vh("h", {"example.com"});
  vh.addRoute(named("regex"), {uriMatch(regex("/api/v[0-9]+/.*"))});
  vh.addRoute(named("prefix-api"), {uriMatch(prefix("/api"))});
  vh.addRoute(named("exact"), {uriMatch(exact("/api/health"))});
  config::HttpMatchRequest withHeader = uriMatch(prefix("/"));
  withHeader.headers = {{"x-canary", exact("1")}};
  vh.addRoute(named("canary"), {withHeader});
  vh.addRoute(named("rest"), {});
  vh.finalize();

  EXPECT_EQ(matchName(vh, get("/api/v1/users")), "regex");
  EXPECT_EQ(matchName(vh, get("/api/health")), "prefix-api");  // earlier prefix wins
  EXPECT_EQ(matchName(vh, get("/apix")), "prefix-api");
  Request canary = get("/other");
  canary.headers = FakeHeaders{{"x-canary", "1"}};
  EXPECT_EQ(matchName(vh, canary), "canary");
  EXPECT_EQ(matchName(vh, get("/other")), "rest");
}

TEST(VirtualHostTest, NoMatchIs404) {
  VirtualHost vh("h", {"example.com"});
  vh.addRoute(named("a"), {uriMatch(exact("/a"))});
  vh.finalize();
  EXPECT_FALSE(vh.match(get("/b").input()));
  EXPECT_FALSE(vh.match(get("/a/").input()));
  EXPECT_FALSE(vh.match(get("/").input()));
}

TEST(VirtualHostTest, OrOfMatchBlocksAndMatchedPathLength) {
  VirtualHost vh("h", {"example.com"});
  vh.addRoute(named("multi"),
              {uriMatch(exact("/exact")), uriMatch(prefix("/pre")), uriMatch(regex("/re/[a-z]+"))});
  vh.addRoute(named("any"), {});
  vh.finalize();
  auto m = vh.match(get("/exact").input());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route->name, "multi");
  EXPECT_EQ(m->matchedPathLength, 6u);
  EXPECT_EQ(vh.match(get("/prefix/x").input())->matchedPathLength, 4u);
  EXPECT_EQ(vh.match(get("/re/abc").input())->matchedPathLength, 7u);
  m = vh.match(get("/zzz").input());
  EXPECT_EQ(m->route->name, "any");
  EXPECT_EQ(m->matchedPathLength, 1u);
}

TEST(VirtualHostTest, IgnoreUriCaseIsIndexedToo) {
  VirtualHost vh("h", {"example.com"});
  config::HttpMatchRequest m = uriMatch(prefix("/Docs"));
  m.ignoreUriCase = true;
  vh.addRoute(named("docs"), {m});
  config::HttpMatchRequest e = uriMatch(exact("/LOGIN"));
  e.ignoreUriCase = true;
  vh.addRoute(named("login"), {e});
  vh.addRoute(named("case-sensitive"), {uriMatch(prefix("/"))});
  vh.finalize();
  EXPECT_EQ(matchName(vh, get("/dOCS/a")), "docs");
  EXPECT_EQ(matchName(vh, get("/login")), "login");
  EXPECT_EQ(matchName(vh, get("/Login/x")), "case-sensitive");
}

// The index must choose exactly what a linear first-match scan chooses.
TEST(VirtualHostTest, IndexAgreesWithLinearScan) {
  std::mt19937 rng(7);
  std::vector<std::string> words = {"/", "/a", "/ab", "/abc", "/b", "/a/", "/A", "/ab/c", ""};
  std::vector<std::vector<config::HttpMatchRequest>> routes;
  VirtualHost vh("h", {"example.com"});
  for (int i = 0; i < 200; ++i) {
    std::vector<config::HttpMatchRequest> blocks;
    int n = static_cast<int>(rng() % 3);
    for (int b = 0; b < n; ++b) {
      config::HttpMatchRequest m;
      const std::string& w = words[rng() % words.size()];
      switch (rng() % 5) {
        case 0:
          m.uri = exact(w.empty() ? "/" : w);
          break;
        case 1:
          m.uri = prefix(w);
          break;
        case 2:
          m.uri = regex(w + ".*");
          break;
        case 3:
          break;
        case 4:
          m.uri = prefix(w);
          m.ignoreUriCase = true;
          break;
      }
      if (rng() % 3 == 0) m.headers = {{"x-h", exact(std::to_string(rng() % 2))}};
      blocks.push_back(m);
    }
    routes.push_back(blocks);
    vh.addRoute(named(std::to_string(i)), blocks);
  }
  vh.finalize();
  for (int t = 0; t < 2000; ++t) {
    Request r = get(words[rng() % words.size()] + (rng() % 2 ? "x" : ""));
    if (r.path.empty()) r.path = "/";
    if (rng() % 2) r.headers = FakeHeaders{{"x-h", std::to_string(rng() % 2)}};
    std::string expected;
    uint32_t expectedLength = 0;
    for (std::size_t i = 0; i < routes.size() && expected.empty(); ++i) {
      if (routes[i].empty()) {
        expected = std::to_string(i);
        expectedLength = 1;
      }
      for (const auto& block : routes[i]) {
        if (auto len = RequestMatcher(block).match(r.input())) {
          expected = std::to_string(i);
          expectedLength = *len;
          break;
        }
      }
    }
    auto got = vh.match(r.input());
    ASSERT_EQ(got ? got->route->name : "", expected) << r.path;
    if (got) {
      EXPECT_EQ(got->matchedPathLength, expectedLength) << r.path;
    }
  }
}

TEST(RouteIndexTest, ManyRegexesGoThroughOneSetInPrecedenceOrder) {
  RouteIndex index;
  for (uint32_t i = 0; i < 20; ++i) {
    config::HttpMatchRequest m = uriMatch(regex("/r" + std::to_string(i % 10) + "/[a-z]+"));
    if (i < 10) m.headers = {{"x-v", exact("1")}};  // routes 0..9 need the header
    index.add(i, RequestMatcher(m));
  }
  index.add(20, RequestMatcher());  // catch-all
  index.finalize();
  EXPECT_EQ(index.indexedCount(), 20u);
  Request r = get("/r3/abc");
  EXPECT_EQ(index.find(r.input())->route, 13u);
  r.headers = FakeHeaders{{"x-v", "1"}};
  EXPECT_EQ(index.find(r.input())->route, 3u);
  EXPECT_EQ(index.find(r.input())->matchedPathLength, 7u);
  EXPECT_EQ(index.find(get("/r3/ABC").input())->route, 20u);  // full match only
  EXPECT_EQ(index.find(get("/x/r3/abc").input())->route, 20u);
}

TEST(VirtualHostTableTest, ExactThenLongestWildcardThenAny) {
  VirtualHostTable table;
  table.add(std::make_unique<VirtualHost>("exact", std::vector<std::string>{"api.example.com"}));
  table.add(std::make_unique<VirtualHost>("wild", std::vector<std::string>{"*.example.com"}));
  table.add(std::make_unique<VirtualHost>("wild2", std::vector<std::string>{"*.b.example.com"}));
  table.add(std::make_unique<VirtualHost>("any", std::vector<std::string>{"*"}));
  EXPECT_EQ(table.find("api.example.com")->name(), "exact");
  EXPECT_EQ(table.find("API.Example.COM:8080")->name(), "exact");  // case, port ignored
  EXPECT_EQ(table.find("x.example.com")->name(), "wild");
  EXPECT_EQ(table.find("a.x.example.com")->name(), "wild");
  EXPECT_EQ(table.find("a.b.example.com")->name(), "wild2");  // longest suffix
  EXPECT_EQ(table.find("example.com")->name(), "any");        // *.example.com excludes it
  EXPECT_EQ(table.find("other.org")->name(), "any");
  EXPECT_EQ(table.find("[::1]:80")->name(), "any");
}

TEST(VirtualHostTableTest, NoCatchAllMeans404) {
  VirtualHostTable table;
  table.add(std::make_unique<VirtualHost>("exact", std::vector<std::string>{"a.com"}));
  EXPECT_EQ(table.find("b.com"), nullptr);
  EXPECT_EQ(table.find("a.com:443")->name(), "exact");
  table.add(std::make_unique<VirtualHost>("ip", std::vector<std::string>{"10.0.0.1"}));
  EXPECT_EQ(table.find("10.0.0.1:8080")->name(), "ip");
}

}  // namespace
}  // namespace portico::route
