// Hot reload with the real binary: files rewritten under steady keep-alive load (wrk), bad
// edits mixed in, a Kubernetes ConfigMap `..data` swap done the kubelet's way, and Gateway
// ports added and removed while a connection on an unchanged port stays open.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>

#include "support/configs.h"
#include "support/gateway.h"
#include "support/http_probe.h"
#include "support/process.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string gatewayYaml(const std::vector<uint16_t>& ports) {
  std::string out =
      "apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata: {name: gw}\n"
      "spec:\n  selector: {istio: ingressgateway}\n  servers:\n";
  for (uint16_t p : ports) {
    out += "  - port: {number: " + std::to_string(p) + ", name: http-" + std::to_string(p) +
           ", protocol: HTTP}\n    hosts: [\"*\"]\n";
  }
  return out + "---\n";
}

// Every request goes to alpha (even generations) or beta (odd ones); the response carries
// the generation, so a client sees exactly which snapshot served it.
std::string routesYaml(int generation, uint16_t alphaPort, uint16_t betaPort) {
  std::string host = generation % 2 == 0 ? "alpha.test" : "beta.test";
  return staticServiceEntry("alpha", "alpha.test", 80, alphaPort) +
         staticServiceEntry("beta", "beta.test", 80, betaPort) +
         "apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: vs}\n"
         "spec:\n  hosts: [\"*\"]\n  gateways: [gw]\n  http:\n"
         "  - route:\n    - destination: {host: " + host + ", port: {number: 80}}\n"
         "    headers:\n      response:\n        set: {x-generation: \"" +
         std::to_string(generation) + "\"}\n";
}

// The three kinds of bad edit an operator makes; each must be rejected as a whole.
std::string invalidEdit(int kind, const std::string& valid) {
  switch (kind % 3) {
    case 0:
      return valid + "  - match: [{uri: {prefix: /x}}\n    route: [unclosed\n";  // YAML syntax
    case 1:
      return valid + "  - match: [{uri: {regex: \"(unclosed\"}}]\n"
                     "    route: [{destination: {host: alpha.test}}]\n";  // bad RE2
    default:
      return valid + "  - route: [{destination: {host: alpha.test}}]\n"
                     "    redirect: {uri: /elsewhere}\n";  // route and redirect together
  }
}

void writeInPlace(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
}

// How editors save: a temporary file renamed over the original.
void writeByRename(const fs::path& path, const std::string& content) {
  fs::path tmp = path.string() + ".tmp~";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
  }
  fs::rename(tmp, path);
}

boost::json::value configDump(uint16_t adminPort) {
  auto r = curl("-s http://127.0.0.1:" + std::to_string(adminPort) + "/config_dump", 10s);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  return ec ? boost::json::value() : v;
}

int64_t reloadCounter(uint16_t adminPort, const char* name) {
  auto v = configDump(adminPort);
  if (!v.is_object()) return -1;
  return v.at("reload").at(name).to_number<int64_t>();
}

// Sends requests on the probe's connection until one is served by `generation`.
// Returns how long that took, or nullopt (with the reason) when it did not happen in time
// or the connection broke.
std::optional<std::chrono::milliseconds> awaitGeneration(HttpProbe& probe, int generation,
                                                         std::chrono::milliseconds limit,
                                                         std::string& why) {
  auto start = Clock::now();
  while (Clock::now() - start < limit) {
    auto r = probe.get("/", 2s);
    if (!r) {
      why = "probe connection failed";
      return std::nullopt;
    }
    if (r->status != 200) {
      why = "status " + std::to_string(r->status);
      return std::nullopt;
    }
    if (r->headers["x-generation"] == std::to_string(generation)) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    usleep(2000);
  }
  why = "generation " + std::to_string(generation) + " not seen";
  return std::nullopt;
}

struct WrkResult {
  uint64_t requests = 0;
  uint64_t socketErrors = 0;
  uint64_t non2xx = 0;
  std::string output;
};

// wrk keeps 20 keep-alive connections busy until SIGINT, then prints its summary.
class SteadyLoad {
 public:
  SteadyLoad(const TempDir& dir, uint16_t port)
      : logPath_((dir.path() / "wrk.log").string()),
        wrk_({"/usr/bin/wrk", "-t1", "-c20", "-d300s", "--timeout", "5s",
              "http://127.0.0.1:" + std::to_string(port) + "/"},
             logPath_) {}

  WrkResult finish() {
    wrk_.signal(SIGINT);
    wrk_.wait(20s);
    WrkResult r;
    r.output = readFile(logPath_);
    std::smatch m;
    if (std::regex_search(r.output, m, std::regex(R"((\d+) requests in)"))) {
      r.requests = std::stoull(m[1]);
    }
    if (std::regex_search(r.output, m,
                          std::regex(R"(connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
      for (int i = 1; i <= 4; ++i) r.socketErrors += std::stoull(m[i]);
    }
    if (std::regex_search(r.output, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) {
      r.non2xx = std::stoull(m[1]);
    }
    return r;
  }

 private:
  std::string logPath_;
  ChildProcess wrk_;
};

class ReloadTest : public ::testing::Test {
 protected:
  void startGateway(GatewayOptions options = {}) {
    options.concurrency = 2;
    gw = std::make_unique<Gateway>(dir, gatewayYaml({port}) + routesYaml(0, alpha.port(), beta.port()),
                                   options);
    ASSERT_TRUE(gw->ready()) << gw->log();
  }
  // The gateway, plus a keep-alive probe that has seen generation 0.
  void startWithProbe() {
    startGateway();
    probe = std::make_unique<HttpProbe>(port);
    ASSERT_TRUE(probe->connect());
    std::string why;
    ASSERT_TRUE(awaitGeneration(*probe, 0, 1s, why)) << why;
  }
  static void expectNothingLost(const WrkResult& r) {
    EXPECT_GT(r.requests, 100u) << r.output;
    EXPECT_EQ(r.socketErrors, 0u) << r.output;
    EXPECT_EQ(r.non2xx, 0u) << r.output;
  }

  TempDir dir;
  Upstream alpha{"alpha"};
  Upstream beta{"beta"};
  uint16_t port = freePort();
  std::unique_ptr<Gateway> gw;
  std::unique_ptr<HttpProbe> probe;
};

TEST_F(ReloadTest, HundredRewritesUnderLoadLoseNothingAndEachVersionIsSeenWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(startWithProbe());
  std::string why;

  SteadyLoad load(dir, port);
  usleep(300 * 1000);  // let wrk's connections open
  std::chrono::milliseconds slowest{0};
  for (int generation = 1; generation <= 100; ++generation) {
    std::string yaml = gatewayYaml({port}) + routesYaml(generation, alpha.port(), beta.port());
    if (generation % 2) {
      writeInPlace(gw->configPath(), yaml);
    } else {
      writeByRename(gw->configPath(), yaml);
    }
    auto took = awaitGeneration(*probe, generation, 1s, why);
    ASSERT_TRUE(took) << "generation " << generation << ": " << why << "\n" << gw->log();
    slowest = std::max(slowest, *took);
  }
  WrkResult r = load.finish();
  expectNothingLost(r);
  EXPECT_GT(alpha.requests(), 0u);
  EXPECT_GT(beta.requests(), 0u);
  // Both clusters exist in every version, so their pools survive every reload: at most
  // one connection per concurrent request per worker, not new ones per reload.
  EXPECT_LE(alpha.connections(), 2u * 21u) << "alpha pool rebuilt on reload?";
  EXPECT_LE(beta.connections(), 2u * 21u) << "beta pool rebuilt on reload?";
  EXPECT_EQ(reloadCounter(gw->adminPort(), "failures"), 0);
  std::cout << "[ reload ] 100 versions, slowest observed " << slowest.count() << " ms; wrk "
            << r.requests << " requests, 0 errors\n";
}

TEST_F(ReloadTest, InvalidEditsKeepTheOldRoutesServingAndAreCountedExactly) {
  ASSERT_NO_FATAL_FAILURE(startWithProbe());
  std::string why;

  SteadyLoad load(dir, port);
  usleep(300 * 1000);
  int invalid = 0;
  int generation = 0;
  for (int step = 0; step < 100; ++step) {
    std::string valid = gatewayYaml({port}) + routesYaml(generation + 1, alpha.port(), beta.port());
    if (step % 5 == 4) {
      int64_t before = reloadCounter(gw->adminPort(), "attempts");
      writeInPlace(gw->configPath(), invalidEdit(invalid, valid));
      ++invalid;
      auto deadline = Clock::now() + 2s;
      while (reloadCounter(gw->adminPort(), "attempts") == before && Clock::now() < deadline) {
        usleep(5000);
      }
      ASSERT_EQ(reloadCounter(gw->adminPort(), "failures"), invalid) << gw->log();
      // Still the last good generation, on the same connection.
      ASSERT_TRUE(awaitGeneration(*probe, generation, 100ms, why)) << why;
      continue;
    }
    ++generation;
    writeInPlace(gw->configPath(), valid);
    ASSERT_TRUE(awaitGeneration(*probe, generation, 1s, why))
        << "generation " << generation << ": " << why << "\n" << gw->log();
  }
  WrkResult r = load.finish();
  EXPECT_EQ(invalid, 20);
  EXPECT_EQ(reloadCounter(gw->adminPort(), "failures"), 20);
  std::string admin = "http://127.0.0.1:" + std::to_string(gw->adminPort());
  EXPECT_NE(curl(admin + "/stats").body.find("config_reload_failed_total: 20\n"), std::string::npos);
  EXPECT_NE(curl(admin + "/stats/prometheus").body.find("\nconfig_reload_failed_total 20\n"),
            std::string::npos);
  EXPECT_NE(curl(admin + "/stats").body.find("config_reload_total: 100\n"), std::string::npos)
      << "80 good and 20 bad edits, one reload each";
  expectNothingLost(r);
  // Each rejected edit was logged with its position.
  std::string log = gw->log();
  EXPECT_NE(log.find("gateway.yaml:"), std::string::npos);
  EXPECT_NE(log.find("reload failed"), std::string::npos);
}

TEST_F(ReloadTest, ConfigMapSymlinkSwapIsPickedUpAndEachResourceLoadsOnce) {
  // The kubelet's layout: DIR/x.yaml -> ..data/x.yaml, DIR/..data -> ..<timestamp>.
  fs::path mount = dir.path() / "configmap";
  fs::create_directories(mount / "..2026_11_27_10_00_00.123");
  writeInPlace(mount / "..2026_11_27_10_00_00.123" / "gateway.yaml", gatewayYaml({port}));
  writeInPlace(mount / "..2026_11_27_10_00_00.123" / "routes.yaml",
               routesYaml(0, alpha.port(), beta.port()));
  fs::create_directory_symlink("..2026_11_27_10_00_00.123", mount / "..data");
  fs::create_symlink("..data/gateway.yaml", mount / "gateway.yaml");
  fs::create_symlink("..data/routes.yaml", mount / "routes.yaml");

  GatewayOptions options;
  options.configPath = mount;
  startGateway(options);
  HttpProbe probe(port);
  ASSERT_TRUE(probe.connect());
  std::string why;
  ASSERT_TRUE(awaitGeneration(probe, 0, 1s, why)) << why;
  auto before = configDump(gw->adminPort());
  ASSERT_TRUE(before.is_object()) << gw->log();
  // Gateway + 2 ServiceEntries + VirtualService, each once although three paths reach them.
  EXPECT_EQ(before.at("resources").as_array().size(), 4u);

  // The update: a new timestamped directory, `..data_tmp` renamed over `..data`, the old
  // directory removed.
  fs::path next = mount / "..2026_11_27_10_05_00.456";
  fs::create_directory(next);
  writeInPlace(next / "gateway.yaml", gatewayYaml({port}));
  writeInPlace(next / "routes.yaml", routesYaml(1, alpha.port(), beta.port()));
  fs::create_directory_symlink("..2026_11_27_10_05_00.456", mount / "..data_tmp");
  fs::rename(mount / "..data_tmp", mount / "..data");
  fs::remove_all(mount / "..2026_11_27_10_00_00.123");

  auto took = awaitGeneration(probe, 1, 1s, why);
  ASSERT_TRUE(took) << why << "\n" << gw->log();
  auto after = configDump(gw->adminPort());
  EXPECT_EQ(after.at("resources").as_array().size(), 4u);
  EXPECT_NE(after.at("version"), before.at("version"));
  EXPECT_EQ(reloadCounter(gw->adminPort(), "failures"), 0) << gw->log();

  // A second swap works too: the watch follows the mount, not the directory it replaced.
  fs::path third = mount / "..2026_11_27_10_10_00.789";
  fs::create_directory(third);
  writeInPlace(third / "gateway.yaml", gatewayYaml({port}));
  writeInPlace(third / "routes.yaml", routesYaml(2, alpha.port(), beta.port()));
  fs::create_directory_symlink("..2026_11_27_10_10_00.789", mount / "..data_tmp");
  fs::rename(mount / "..data_tmp", mount / "..data");
  fs::remove_all(next);
  ASSERT_TRUE(awaitGeneration(probe, 2, 1s, why)) << why << "\n" << gw->log();
}

TEST_F(ReloadTest, AddedPortOpensRemovedPortClosesAndUnchangedPortKeepsItsConnection) {
  startGateway();
  uint16_t extra = freePort();
  HttpProbe kept(port);
  ASSERT_TRUE(kept.connect());
  ASSERT_TRUE(kept.get("/"));

  writeInPlace(gw->configPath(),
               gatewayYaml({port, extra}) + routesYaml(1, alpha.port(), beta.port()));
  std::string why;
  ASSERT_TRUE(awaitGeneration(kept, 1, 1s, why)) << why << "\n" << gw->log();
  HttpProbe added(extra);
  ASSERT_TRUE(added.connect()) << gw->log();
  auto r = added.get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers["x-generation"], "1");

  // Remove the port again while `added` sits idle on it.
  writeInPlace(gw->configPath(), gatewayYaml({port}) + routesYaml(2, alpha.port(), beta.port()));
  ASSERT_TRUE(awaitGeneration(kept, 2, 1s, why)) << why << "\n" << gw->log();
  EXPECT_TRUE(added.closedByPeer(2s)) << "an idle connection on a removed port is closed";
  HttpProbe refused(extra);
  EXPECT_FALSE(refused.connect(1s)) << "the removed port no longer accepts";

  // The connection on the unchanged port survived both reloads.
  ASSERT_TRUE(kept.connected());
  r = kept.get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->headers["x-generation"], "2");
}

TEST_F(ReloadTest, SighupAndAdminPostReloadWithoutFileEvents) {
  GatewayOptions options;
  options.extraArgs = {"--no-watch"};
  startGateway(options);
  HttpProbe probe(port);
  ASSERT_TRUE(probe.connect());
  writeInPlace(gw->configPath(), gatewayYaml({port}) + routesYaml(1, alpha.port(), beta.port()));
  usleep(400 * 1000);
  std::string why;
  ASSERT_TRUE(awaitGeneration(probe, 0, 100ms, why)) << "not watched: still generation 0";

  gw->process().signal(SIGHUP);
  ASSERT_TRUE(awaitGeneration(probe, 1, 1s, why)) << why << "\n" << gw->log();

  writeInPlace(gw->configPath(), gatewayYaml({port}) + routesYaml(2, alpha.port(), beta.port()));
  std::string reloadUrl = "http://127.0.0.1:" + std::to_string(gw->adminPort()) + "/reload";
  EXPECT_EQ(curl(reloadUrl).status, 405) << "a mutating admin page needs POST";
  EXPECT_EQ(curl("-X POST " + reloadUrl).status, 202);
  ASSERT_TRUE(awaitGeneration(probe, 2, 1s, why)) << why << "\n" << gw->log();
}

TEST_F(ReloadTest, ConfigDumpShowsTheServingVersionAndTheLastError) {
  startGateway();
  auto v = configDump(gw->adminPort());
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("source_files").as_array().size(), 1u);
  EXPECT_EQ(v.at("listeners").as_array().at(0).at("port").to_number<int>(), port);
  EXPECT_FALSE(v.at("reload").as_object().contains("last_error"));
  std::string version(v.at("version").as_string());

  writeInPlace(gw->configPath(), invalidEdit(1, gatewayYaml({port}) +
                                                    routesYaml(1, alpha.port(), beta.port())));
  auto deadline = Clock::now() + 3s;
  while (reloadCounter(gw->adminPort(), "failures") < 1 && Clock::now() < deadline) usleep(10000);
  v = configDump(gw->adminPort());
  EXPECT_EQ(std::string(v.at("version").as_string()), version) << "the old snapshot serves";
  std::string error(v.at("reload").at("last_error").as_string());
  EXPECT_NE(error.find("gateway.yaml:"), std::string::npos) << error;
  EXPECT_NE(error.find("regex"), std::string::npos) << error;
}

// Two requests a minute on /limited: a reload that leaves the limit alone keeps its bucket
// (no fresh allowance for clients), a reload that changes it starts a new one.
std::string limitYaml(int perMinute) {
  return "---\napiVersion: networking.istio.io/v1alpha3\nkind: RateLimitConfig\n"
         "metadata: {name: rl}\nspec:\n  targetRefs: [{kind: VirtualService, name: vs}]\n"
         "  limits:\n  - name: limited\n    match: [{uri: {prefix: /limited}}]\n"
         "    requestsPerUnit: " + std::to_string(perMinute) + "\n    unit: MINUTE\n";
}

TEST_F(ReloadTest, UnchangedRateLimitKeepsItsBucketAcrossAReload) {
  GatewayOptions options;
  gw = std::make_unique<Gateway>(
      dir, gatewayYaml({port}) + routesYaml(0, alpha.port(), beta.port()) + limitYaml(2), options);
  ASSERT_TRUE(gw->ready()) << gw->log();
  HttpProbe probe(port);
  ASSERT_TRUE(probe.connect());
  EXPECT_EQ(probe.get("/limited/1")->status, 200u);
  EXPECT_EQ(probe.get("/limited/2")->status, 200u);
  EXPECT_EQ(probe.get("/limited/3")->status, 429u);

  // Another route version, the same limit: still spent.
  writeInPlace(gw->configPath(),
               gatewayYaml({port}) + routesYaml(1, alpha.port(), beta.port()) + limitYaml(2));
  std::string why;
  ASSERT_TRUE(awaitGeneration(probe, 1, 1s, why)) << why << "\n" << gw->log();
  auto r = probe.get("/limited/4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429u) << "an unchanged limit must not refill on reload";

  // The limit itself changed: a new bucket.
  writeInPlace(gw->configPath(),
               gatewayYaml({port}) + routesYaml(2, alpha.port(), beta.port()) + limitYaml(3));
  ASSERT_TRUE(awaitGeneration(probe, 2, 1s, why)) << why << "\n" << gw->log();
  r = probe.get("/limited/5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->headers["x-ratelimit-limit"].substr(0, 1), "3") << r->headers["x-ratelimit-limit"];
}

}  // namespace
}  // namespace portico::testing
