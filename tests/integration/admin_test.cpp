// The admin pages of the real binary: index, readiness, clusters, logging, drain, quit.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "support/configs.h"
#include "support/gateway.h"

namespace portico::testing {
namespace {

class AdminTest : public SingleRouteGatewayTest {
 protected:
  std::string admin(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(gw->adminPort()) + path;
  }
};

TEST_F(AdminTest, IndexIsHtmlLinkingEveryPage) {
  HttpResult r = curl(admin("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=UTF-8");
  EXPECT_TRUE(r.body.starts_with("<!DOCTYPE html>")) << r.body;
  for (std::string page : {"/ready", "/stats", "/stats/prometheus", "/clusters", "/logging"}) {
    EXPECT_NE(r.body.find("<a href=\"" + page + "\">"), std::string::npos) << page;
  }
  for (std::string page : {"/drain_listeners", "/quitquitquit"}) {
    EXPECT_NE(r.body.find("<form action=\"" + page + "\" method=\"post\">"), std::string::npos)
        << page;
  }
}

TEST_F(AdminTest, ReadyAndHealthzReadyAreLive) {
  for (std::string page : {"/ready", "/healthz/ready"}) {
    HttpResult r = curl(admin(page));
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.body, "LIVE\n") << page;
  }
}

TEST_F(AdminTest, ClustersListsEachHostWithHealthAndCounters) {
  ASSERT_EQ(curl(url("/")).status, 200);
  ASSERT_EQ(curl(url("/")).status, 200);
  HttpResult r = curl(admin("/clusters"));
  EXPECT_EQ(r.status, 200);
  const std::string prefix =
      "outbound|80||app.default.svc.cluster.local::127.0.0.1:" + std::to_string(app.port()) + "::";
  EXPECT_NE(r.body.find(prefix + "rq_total::2\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(prefix + "cx_total::"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(prefix + "cx_active::"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(prefix + "cx_connect_fail::0\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(prefix + "health_flags::healthy\n"), std::string::npos) << r.body;
}

TEST_F(AdminTest, LoggingChangesTheLevelOnPostOnly) {
  HttpResult r = curl(admin("/logging"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("portico: info\n"), std::string::npos) << r.body;
  EXPECT_EQ(curl(admin("/logging?level=debug")).status, 405);
  EXPECT_EQ(curl("-X POST '" + admin("/logging?level=nonsense") + "'").status, 400);
  // Debug lines (a malformed request logs one) appear only after the change.
  rawExchange(port, "BROKEN\r\n\r\n");
  EXPECT_EQ(gw->log().find("downstream 127.0.0.1: 400"), std::string::npos);
  r = curl("-X POST '" + admin("/logging?level=debug") + "'");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("portico: debug\n"), std::string::npos) << r.body;
  rawExchange(port, "BROKEN\r\n\r\n");
  std::string log;
  for (int i = 0; i < 50 && log.find("downstream 127.0.0.1: 400") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log = gw->log();
  }
  EXPECT_NE(log.find("downstream 127.0.0.1: 400"), std::string::npos) << log;
  EXPECT_NE(curl(admin("/logging")).body.find("portico: debug\n"), std::string::npos);
}

TEST_F(AdminTest, DrainListenersFlipsReadyAndFinishesRequestsInFlight) {
  EXPECT_EQ(curl(admin("/drain_listeners")).status, 405);  // GET must not drain
  EXPECT_EQ(curl(admin("/ready")).status, 200);
  HttpResult slow;
  std::thread client([&] { slow = curl(url("/delay/1500")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  HttpResult drained = curl("-X POST " + admin("/drain_listeners"));
  EXPECT_EQ(drained.status, 200);
  HttpResult ready = curl(admin("/ready"));
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "DRAINING\n");
  EXPECT_EQ(curl(admin("/healthz/ready")).status, 503);
  client.join();
  EXPECT_EQ(slow.status, 200) << slow.raw;
  // No new connections are accepted.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(curl(url("/"), std::chrono::seconds(3)).status, 0);
  EXPECT_TRUE(gw->process().running());
}

TEST_F(AdminTest, ReadyFlipsDuringSigtermDrain) {
  HttpResult slow;
  std::thread client([&] { slow = curl(url("/delay/1500")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  gw->process().signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  HttpResult ready = curl(admin("/ready"));
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "DRAINING\n");
  client.join();
  EXPECT_EQ(slow.status, 200) << slow.raw;
  EXPECT_EQ(gw->process().wait(std::chrono::seconds(10)), 0);
}

TEST_F(AdminTest, QuitQuitQuitExitsGracefullyOnPost) {
  EXPECT_EQ(curl(admin("/quitquitquit")).status, 405);
  EXPECT_TRUE(gw->process().running());
  HttpResult r = curl("-X POST " + admin("/quitquitquit"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "OK\n");
  EXPECT_EQ(gw->process().wait(std::chrono::seconds(10)), 0);
}

TEST_F(AdminTest, UnknownPageListsTheCommands) {
  HttpResult r = curl(admin("/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("  /stats/prometheus: "), std::string::npos) << r.body;
}

}  // namespace
}  // namespace portico::testing
