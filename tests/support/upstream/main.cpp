// portico_test_upstream: a small HTTP/1.1 server on loopback for the integration tests, the
// benchmarks and the README quick start. It answers what it received, so tests can assert on
// what actually reached an upstream.
//
//   GET /__stats          {"connections":C,"requests":R} (counts since start)
//   /status/<code>        answers <code>
//   /delay/<ms>           waits, then echoes
//   /bytes/<n>            streams n bytes of 'x' (Content-Length), never buffered whole
//   /flaky/<n>/...        the first n requests to this exact path answer 503, then echo
//   /reset                closes the connection without answering
//   /ws                   a WebSocket upgrade (Beast): echoes every message, text or binary
//   anything else         200 with a JSON echo: method, target, headers, body size
//
// --status CODE makes every answer but /__stats and /ws that status (an always-failing host,
// for outlier detection).
// /__stats counts complete requests only (head and whole body received).
// Every response carries x-upstream-name (from --name) and x-upstream-connection (the
// sequence number of the TCP connection it came on).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <array>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct State {
  std::string name = "upstream";
  uint64_t connections = 0;
  uint64_t requests = 0;
  std::map<std::string, uint64_t> flakyHits;
  unsigned forcedStatus = 0;  // --status
};

std::string jsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

uint64_t parseNumber(std::string_view s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// The path segment after `prefix`, up to the next '/' or '?'.
std::string_view segmentAfter(std::string_view target, std::string_view prefix) {
  std::string_view rest = target.substr(prefix.size());
  return rest.substr(0, rest.find_first_of("/?"));
}

// Echoes messages until the client closes (or the connection breaks).
asio::awaitable<void> webSocketEcho(tcp::socket socket,
                                    const http::request<http::buffer_body>& upgrade) {
  beast::websocket::stream<tcp::socket> ws(std::move(socket));
  auto [aec] = co_await ws.async_accept(upgrade, kTuple);
  if (aec) co_return;
  beast::flat_buffer message;
  for (;;) {
    auto [rec, rn] = co_await ws.async_read(message, kTuple);
    if (rec) co_return;  // closed (the close handshake was answered) or broken
    ws.text(ws.got_text());
    auto [wec, wn] = co_await ws.async_write(message.data(), kTuple);
    if (wec) co_return;
    message.consume(message.size());
  }
}

asio::awaitable<void> session(tcp::socket socket, State& state) {
  const uint64_t connectionId = ++state.connections;
  beast::flat_buffer buffer;
  std::array<char, 64 * 1024> chunk;
  for (;;) {
    http::request_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    parser.header_limit(1024 * 1024);
    auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, kTuple);
    if (ec) co_return;
    auto& req = parser.get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(kContinue), kTuple);
      if (wec) co_return;
    }
    uint64_t bodyBytes = 0;
    std::string bodyHead;  // the first 64 KiB, echoed back
    while (!parser.is_done()) {
      req.body().data = chunk.data();
      req.body().size = chunk.size();
      auto [rec, rn] = co_await http::async_read(socket, buffer, parser, kTuple);
      if (rec == http::error::need_buffer) rec = {};
      if (rec) co_return;
      std::size_t got = chunk.size() - req.body().size;
      bodyBytes += got;
      if (bodyHead.size() < 65536) bodyHead.append(chunk.data(), std::min(got, 65536 - bodyHead.size()));
    }
    ++state.requests;  // only complete requests count: a truncated one is not a request
    std::string target(req.target());
    const bool keepAlive = req.keep_alive();

    if (target == "/reset") co_return;  // closes without an answer
    if (target == "/ws" && beast::websocket::is_upgrade(req)) {
      co_await webSocketEcho(std::move(socket), req);
      co_return;
    }

    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(keepAlive);
    res.set("x-upstream-name", state.name);
    res.set("x-upstream-connection", std::to_string(connectionId));
    res.result(http::status::ok);

    if (target.starts_with("/bytes/")) {
      const uint64_t total = parseNumber(segmentAfter(target, "/bytes/"));
      http::response<http::empty_body> head;
      head.version(req.version());
      head.keep_alive(keepAlive);
      head.result(http::status::ok);
      head.set("x-upstream-name", state.name);
      head.set(http::field::content_type, "application/octet-stream");
      head.content_length(total);
      http::response_serializer<http::empty_body> sr(head);
      auto [hec, hn] = co_await http::async_write_header(socket, sr, kTuple);
      if (hec) co_return;
      chunk.fill('x');
      for (uint64_t sent = 0; sent < total;) {
        std::size_t part = static_cast<std::size_t>(std::min<uint64_t>(chunk.size(), total - sent));
        auto [bec, bn] = co_await asio::async_write(socket, asio::buffer(chunk.data(), part), kTuple);
        if (bec) co_return;
        sent += part;
      }
      if (!keepAlive) co_return;
      continue;
    }

    if (state.forcedStatus != 0 && target != "/__stats") {
      res.result(state.forcedStatus);
      res.body() = "status " + std::to_string(state.forcedStatus) + "\n";
    } else if (target == "/__stats") {
      res.set(http::field::content_type, "application/json");
      res.body() = "{\"connections\":" + std::to_string(state.connections) +
                   ",\"requests\":" + std::to_string(state.requests) + "}";
    } else if (target.starts_with("/status/")) {
      res.result(static_cast<unsigned>(parseNumber(segmentAfter(target, "/status/"))));
      res.body() = "status " + std::to_string(res.result_int()) + "\n";
    } else {
      if (target.starts_with("/delay/")) {
        asio::steady_timer timer(socket.get_executor());
        timer.expires_after(std::chrono::milliseconds(parseNumber(segmentAfter(target, "/delay/"))));
        co_await timer.async_wait(kTuple);
      }
      if (target.starts_with("/flaky/")) {
        const uint64_t failures = parseNumber(segmentAfter(target, "/flaky/"));
        if (state.flakyHits[target]++ < failures) res.result(http::status::service_unavailable);
      }
      std::string json = "{\"upstream\":\"" + jsonEscape(state.name) + "\",\"connection\":" +
                         std::to_string(connectionId) + ",\"method\":\"" +
                         jsonEscape(req.method_string()) + "\",\"target\":\"" + jsonEscape(target) +
                         "\",\"version\":" + std::to_string(req.version()) + ",\"headers\":[";
      bool first = true;
      for (const auto& field : req) {
        if (!first) json += ',';
        first = false;
        json += "[\"" + jsonEscape(field.name_string()) + "\",\"" + jsonEscape(field.value()) + "\"]";
      }
      json += "],\"body_bytes\":" + std::to_string(bodyBytes) + ",\"body\":\"" +
              jsonEscape(bodyHead) + "\"}\n";
      res.set(http::field::content_type, "application/json");
      res.body() = std::move(json);
    }
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(socket, res, kTuple);
    if (wec || !keepAlive) co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor acceptor, State& state) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), state), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  State state;
  std::string address = "127.0.0.1";
  unsigned port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--port") port = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (flag == "--name") state.name = argv[i + 1];
    else if (flag == "--address") address = argv[i + 1];
    else if (flag == "--status") state.forcedStatus = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: %s --port N [--name NAME] [--address ADDR] [--status CODE]\n",
                   argv[0]);
      return 2;
    }
  }
  asio::io_context io(1);
  boost::system::error_code ec;
  tcp::acceptor acceptor(io);
  tcp::endpoint endpoint(asio::ip::make_address(address, ec), static_cast<uint16_t>(port));
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", address.c_str(), port, ec.message().c_str());
    return 1;
  }
  std::printf("portico_test_upstream %s listening on %s:%u\n", state.name.c_str(), address.c_str(),
              acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  asio::co_spawn(io, listen(std::move(acceptor), state), asio::detached);
  io.run();
  return 0;
}
