// The data plane end to end inside one process: a Worker with a hand-built Snapshot in
// front of a small blocking upstream (Beast sync I/O), all on loopback ports from the kernel.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "portico/core/worker.h"
#include "portico/route/virtual_host.h"

namespace portico::core {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

void setReadTimeout(int fd, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// Blocking HTTP/1.1 upstream: one thread per connection, keep-alive, scripted by path.
class FakeUpstream {
 public:
  struct Seen {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };

  FakeUpstream() : acceptor_(context_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    acceptThread_ = std::thread([this] { acceptLoop(); });
  }
  ~FakeUpstream() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    acceptThread_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
  }

  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void acceptLoop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(context_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ++connections_;
      std::lock_guard lock(mutex_);
      fds_.push_back(socket.native_handle());
      threads_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(tcp::socket socket) {
    setReadTimeout(socket.native_handle(), 10);
    boost::beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> req;
      boost::system::error_code ec;
      bhttp::read(socket, buffer, req, ec);
      if (ec) return;
      Seen s;
      s.method = std::string(req.method_string());
      s.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        s.headers[name] = std::string(f.value());
      }
      s.body = req.body();
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(s);
      }
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      const std::string& target = s.target;
      if (target.rfind("/slow", 0) == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
      if (auto at = target.find("/status/"); at != std::string::npos) {
        res.result(std::stoi(target.substr(at + 8)));
      }
      if (target == "/big") {
        res.body() = std::string(8 * 1024 * 1024, 'b');
      } else if (target == "/echo-body") {
        res.body() = s.body;
      } else {
        res.body() = "ok:" + target;
      }
      res.set("x-upstream", "1");
      res.set(bhttp::field::connection, "x-upstream-hop");
      res.set("x-upstream-hop", "secret");
      if (target == "/chunked") {
        res.chunked(true);
      } else {
        res.prepare_payload();
      }
      bhttp::write(socket, res, ec);
      if (ec || target == "/close-silently") return;
    }
  }

  asio::io_context context_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptThread_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::vector<int> fds_;
  std::vector<Seen> seen_;
};

config::HttpMatchRequest prefix(const std::string& p) {
  config::HttpMatchRequest m;
  m.uri = config::StringMatch{config::StringMatch::Kind::kPrefix, p, {}};
  return m;
}

std::unique_ptr<route::Route> forward(const std::string& cluster) {
  auto r = std::make_unique<route::Route>();
  route::ForwardAction fa;
  route::WeightedCluster wc;
  wc.clusterName = cluster;
  wc.weight = 1;
  fa.clusters.push_back(wc);
  fa.totalWeight = 1;
  r->action = fa;
  r->retry.numRetries = 0;
  return r;
}

class ProxyLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto snapshot = std::make_shared<route::Snapshot>();
    route::Listener& listener = snapshot->listeners[0];
    auto vhost = std::make_unique<route::VirtualHost>("vh", std::vector<std::string>{"*"});
    {
      auto r = std::make_unique<route::Route>();
      r->action = route::DirectResponseAction{200, "direct"};
      vhost->addRoute(std::move(r), {prefix("/direct")});
    }
    {
      auto r = forward("up");
      r->timeout = std::chrono::milliseconds(300);
      vhost->addRoute(std::move(r), {prefix("/slow")});
    }
    vhost->addRoute(forward("closed"), {prefix("/closed")});
    {
      auto r = forward("mixed");
      r->retry.numRetries = 2;
      r->retry.retryOn = route::RetryPolicy::kConnectFailure | route::RetryPolicy::k5xx;
      r->retry.backoffBase = std::chrono::milliseconds(1);
      vhost->addRoute(std::move(r), {prefix("/retry")});
    }
    {
      auto r = forward("up");
      r->retry.numRetries = 2;
      r->retry.retryOn = route::RetryPolicy::k5xx;
      r->retry.backoffBase = std::chrono::milliseconds(1);
      vhost->addRoute(std::move(r), {prefix("/again")});
    }
    {
      auto r = forward("up");
      route::FaultPolicy fault;
      fault.delay = std::chrono::milliseconds(150);
      fault.delayPerMillion = 1000000;
      r->fault = fault;
      vhost->addRoute(std::move(r), {prefix("/delayed")});
    }
    vhost->addRoute(forward("up"), {});
    vhost->finalize();
    listener.virtualHosts.add(std::move(vhost));

    upstream::ClusterConfig up;
    up.name = "up";
    up.discovery = upstream::ClusterConfig::Discovery::kStatic;
    up.endpoints.push_back({"127.0.0.1", upstream_.port(), 1, {}});
    snapshot->clusters["up"] = up;
    upstream::ClusterConfig closed = up;
    closed.name = "closed";
    closed.endpoints = {{"127.0.0.1", closedPort(), 1, {}}};
    snapshot->clusters["closed"] = closed;
    upstream::ClusterConfig mixed = up;
    mixed.name = "mixed";
    mixed.lbPolicy = upstream::ClusterConfig::LbPolicy::kRoundRobin;
    mixed.endpoints = {{"127.0.0.1", closedPort(), 1, {}}, {"127.0.0.1", upstream_.port(), 1, {}}};
    snapshot->clusters["mixed"] = mixed;

    store_ = std::make_unique<SnapshotStore>(snapshot);
    options_.bindAddress = "127.0.0.1";
    options_.codecLimits.headerTimeout = std::chrono::milliseconds(2000);
    worker_ = std::make_unique<Worker>(0, *store_, options_, accessLog_);
    std::string error;
    ASSERT_TRUE(worker_->listen(*snapshot, error)) << error;
    worker_->start();
    port_ = worker_->localPorts().at(0);
  }

  void TearDown() override { worker_.reset(); }

  static uint16_t closedPort() {
    asio::io_context ctx;
    tcp::acceptor a(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();  // closed again when `a` goes
  }

  tcp::socket connect() {
    tcp::socket s(clientContext_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    setReadTimeout(s.native_handle(), 5);
    return s;
  }

  static void send(tcp::socket& s, std::string_view bytes) { asio::write(s, asio::buffer(bytes)); }

  bhttp::response<bhttp::string_body> receive(tcp::socket& s) {
    bhttp::response<bhttp::string_body> res;
    boost::system::error_code ec;
    bhttp::read(s, clientBuffer_, res, ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }

  bool closedByPeer(tcp::socket& s) {
    char c;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  FakeUpstream upstream_;
  AccessLog accessLog_{"off"};
  ServerOptions options_;
  std::unique_ptr<SnapshotStore> store_;
  std::unique_ptr<Worker> worker_;
  uint16_t port_ = 0;
  asio::io_context clientContext_;
  boost::beast::flat_buffer clientBuffer_;
};

TEST_F(ProxyLoopbackTest, ForwardsWithProxyHeadersAndStripsHopByHop) {
  auto s = connect();
  send(s,
       "GET /a/../b//c?q=1 HTTP/1.1\r\nHost: example.com\r\nConnection: x-hop\r\nX-Hop: 1\r\n"
       "X-Forwarded-For: 10.0.0.1\r\nUser-Agent: t\r\n\r\n");
  auto res = receive(s);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "ok:/b/c?q=1");
  EXPECT_EQ(res["x-upstream"], "1");
  EXPECT_EQ(res["x-upstream-hop"], "");  // named by the upstream's Connection header
  EXPECT_FALSE(res["x-request-id"].empty());
  EXPECT_FALSE(res["x-envoy-upstream-service-time"].empty());

  auto seen = upstream_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers["host"], "example.com");
  EXPECT_EQ(seen[0].headers["x-forwarded-for"], "10.0.0.1,127.0.0.1");
  EXPECT_EQ(seen[0].headers["x-forwarded-proto"], "http");
  EXPECT_EQ(seen[0].headers["x-request-id"], std::string(res["x-request-id"]));
  EXPECT_EQ(seen[0].headers.count("x-hop"), 0u);
  EXPECT_EQ(seen[0].headers.count("connection"), 0u);
  EXPECT_EQ(seen[0].headers.count("via"), 0u);
}

TEST_F(ProxyLoopbackTest, ReusesPooledUpstreamConnections) {
  for (int i = 0; i < 3; ++i) {
    auto s = connect();
    send(s, "GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    auto res = receive(s);
    EXPECT_EQ(res.body(), "ok:/r" + std::to_string(i));
    EXPECT_TRUE(closedByPeer(s));
  }
  EXPECT_EQ(upstream_.connections(), 1);
}

TEST_F(ProxyLoopbackTest, PipelinedRequestsAreAnsweredInOrder) {
  auto s = connect();
  send(s,
       "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /direct HTTP/1.1\r\nHost: h\r\n\r\n"
       "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(receive(s).body(), "ok:/1");
  EXPECT_EQ(receive(s).body(), "direct");
  EXPECT_EQ(receive(s).body(), "ok:/3");
}

TEST_F(ProxyLoopbackTest, ChunkedRequestAndResponseBodiesStream) {
  std::string body(300 * 1024, 'x');
  for (std::size_t i = 0; i < body.size(); i += 1000) body[i] = static_cast<char>('a' + i % 26);
  std::string wire = "POST /echo-body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t i = 0; i < body.size(); i += 7000) {
    std::string part = body.substr(i, 7000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", part.size());
    wire += std::string(size) + ";ext=1\r\n" + part + "\r\n";
  }
  wire += "0\r\n\r\n";
  auto s = connect();
  send(s, wire);
  auto res = receive(s);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), body);
  auto seen = upstream_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers["transfer-encoding"], "chunked");
  EXPECT_EQ(seen[0].body, body);

  send(s, "GET /chunked HTTP/1.1\r\nHost: h\r\n\r\n");
  auto chunked = receive(s);
  EXPECT_EQ(chunked.body(), "ok:/chunked");
  EXPECT_TRUE(chunked.chunked());
}

TEST_F(ProxyLoopbackTest, LargeResponseStreamsToHttp10ClientAndCloses) {
  auto s = connect();
  send(s, "GET /big HTTP/1.0\r\n\r\n");
  auto res = receive(s);
  EXPECT_EQ(res.body().size(), 8u * 1024 * 1024);
  EXPECT_TRUE(closedByPeer(s));
}

TEST_F(ProxyLoopbackTest, ExpectContinueGetsInterimResponseBeforeBody) {
  auto s = connect();
  send(s,
       "PUT /echo-body HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  std::string interim;
  asio::read_until(s, asio::dynamic_buffer(interim), "\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  send(s, "hello");
  auto res = receive(s);
  EXPECT_EQ(res.body(), "hello");
  auto seen = upstream_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.count("expect"), 0u);
}

TEST_F(ProxyLoopbackTest, MalformedRequestsGet400AndNeverReachTheUpstream) {
  for (std::string bad :
       {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n"}) {
    auto s = connect();
    send(s, bad);
    auto res = receive(s);
    EXPECT_EQ(res.result_int(), 400u) << bad;
    EXPECT_TRUE(closedByPeer(s)) << bad;
  }
  EXPECT_EQ(upstream_.seen().size(), 0u);
}

TEST_F(ProxyLoopbackTest, BadChunkSizeInTheBodyIs400AndNoRequestCompletesUpstream) {
  auto s = connect();
  send(s,
       "POST /echo-body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3\r\nabc\r\nzz\r\nxx\r\n0\r\n\r\n");
  auto res = receive(s);
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_TRUE(closedByPeer(s));
  EXPECT_EQ(upstream_.seen().size(), 0u);
}

TEST_F(ProxyLoopbackTest, RouteTimeoutIs504AndConnectFailureIs503) {
  auto s = connect();
  send(s, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  auto res = receive(s);
  EXPECT_EQ(res.result_int(), 504u);
  EXPECT_EQ(res.body(), "upstream request timeout");

  send(s, "GET /closed HTTP/1.1\r\nHost: h\r\n\r\n");
  auto refused = receive(s);
  EXPECT_EQ(refused.result_int(), 503u);
  EXPECT_EQ(refused.body(),
            "upstream connect error or disconnect/reset before headers. reset reason: connection "
            "failure");
}

TEST_F(ProxyLoopbackTest, UpstreamClosingAKeptAliveConnectionDoesNotFailTheNextRequest) {
  auto s = connect();
  send(s, "GET /close-silently HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(receive(s).body(), "ok:/close-silently");
  send(s, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
  auto res = receive(s);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "ok:/after");
  EXPECT_EQ(upstream_.connections(), 2);
}

TEST_F(ProxyLoopbackTest, ConnectFailureIsRetriedOnAnotherHost) {
  auto s = connect();
  for (int i = 0; i < 4; ++i) {
    send(s, "GET /retry/ok HTTP/1.1\r\nHost: h\r\n\r\n");
    auto res = receive(s);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "ok:/retry/ok");
  }
}

TEST_F(ProxyLoopbackTest, RetriableStatusIsRetriedUpToTheLimit) {
  auto s = connect();
  send(s, "POST /again/status/503 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody");
  auto res = receive(s);
  EXPECT_EQ(res.result_int(), 503u);
  auto seen = upstream_.seen();
  // One try plus two retries; the small body is replayed on each.
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& r : seen) EXPECT_EQ(r.body, "body");
}

TEST_F(ProxyLoopbackTest, FaultDelayHoldsTheRequest) {
  auto s = connect();
  auto start = std::chrono::steady_clock::now();
  send(s, "GET /delayed HTTP/1.1\r\nHost: h\r\n\r\n");
  auto res = receive(s);
  EXPECT_EQ(res.body(), "ok:/delayed");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(140));
}

TEST_F(ProxyLoopbackTest, DrainLetsTheRequestInFlightFinishThenCloses) {
  auto idle = connect();
  auto busy = connect();
  send(busy, "GET /delayed HTTP/1.1\r\nHost: h\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  worker_->drain();
  auto res = receive(busy);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[bhttp::field::connection], "close");
  EXPECT_TRUE(closedByPeer(busy));
  EXPECT_TRUE(closedByPeer(idle));
  // No longer accepting.
  tcp::socket late(clientContext_);
  boost::system::error_code ec;
  late.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace portico::core
