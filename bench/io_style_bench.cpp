// Coroutines vs callbacks for the data plane's I/O loops, measured on one io_context in one
// thread: a loopback TCP ping-pong (client writes N bytes, server echoes them) and, with no
// socket at all, a post / zero-expiry timer round trip, which isolates what the coroutine
// machinery adds per operation. See docs/architecture.md for the figures.
#include <benchmark/benchmark.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// A connected client/server socket pair on 127.0.0.1 with Nagle off, as the proxy sets it.
struct LoopbackPair {
  explicit LoopbackPair(asio::io_context& ioc) : client(ioc), server(ioc) {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    client.set_option(tcp::no_delay(true));
    server.set_option(tcp::no_delay(true));
  }
  tcp::socket client;
  tcp::socket server;
};

// ---- (a) coroutines on both ends ------------------------------------------------------------

asio::awaitable<void> coroEchoServer(tcp::socket& socket, std::size_t bufferSize) {
  std::vector<char> buffer(bufferSize);
  for (;;) {
    auto [readEc, n] = co_await socket.async_read_some(asio::buffer(buffer), kTuple);
    if (readEc) co_return;
    auto [writeEc, written] = co_await asio::async_write(socket, asio::buffer(buffer.data(), n), kTuple);
    if (writeEc) co_return;
  }
}

asio::awaitable<void> coroPingClient(tcp::socket& socket, std::size_t size, benchmark::State& state) {
  std::vector<char> out(size, 'x');
  std::vector<char> in(size);
  while (state.KeepRunning()) {
    auto [writeEc, written] = co_await asio::async_write(socket, asio::buffer(out), kTuple);
    if (writeEc) break;
    auto [readEc, n] = co_await asio::async_read(socket, asio::buffer(in), kTuple);
    if (readEc) break;
  }
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

void BM_PingPong_Coroutine(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  asio::io_context ioc(1);
  LoopbackPair pair(ioc);
  asio::co_spawn(ioc, coroEchoServer(pair.server, size), asio::detached);
  asio::co_spawn(ioc, coroPingClient(pair.client, size, state), asio::detached);
  ioc.run();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0) * 2);
}

// ---- (b) classic callbacks, Beast-example style ---------------------------------------------

class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  EchoSession(tcp::socket& socket, std::size_t bufferSize) : socket_(socket), buffer_(bufferSize) {}

  void doRead() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](error_code ec, std::size_t n) { self->onRead(ec, n); });
  }

 private:
  void onRead(error_code ec, std::size_t n) {
    if (ec) return;
    asio::async_write(socket_, asio::buffer(buffer_.data(), n),
                      [self = shared_from_this()](error_code ec, std::size_t) { self->onWrite(ec); });
  }

  void onWrite(error_code ec) {
    if (ec) return;
    doRead();
  }

  tcp::socket& socket_;
  std::vector<char> buffer_;
};

class PingClient : public std::enable_shared_from_this<PingClient> {
 public:
  PingClient(tcp::socket& socket, std::size_t size, benchmark::State& state)
      : socket_(socket), out_(size, 'x'), in_(size), state_(state) {}

  void doWrite() {
    if (!state_.KeepRunning()) {
      finish();
      return;
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](error_code ec, std::size_t) { self->onWrite(ec); });
  }

 private:
  void onWrite(error_code ec) {
    if (ec) return finish();
    asio::async_read(socket_, asio::buffer(in_),
                     [self = shared_from_this()](error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(error_code ec) {
    if (ec) return finish();
    doWrite();
  }

  void finish() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
  }

  tcp::socket& socket_;
  std::vector<char> out_;
  std::vector<char> in_;
  benchmark::State& state_;
};

void BM_PingPong_Callback(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  asio::io_context ioc(1);
  LoopbackPair pair(ioc);
  std::make_shared<EchoSession>(pair.server, size)->doRead();
  std::make_shared<PingClient>(pair.client, size, state)->doWrite();
  ioc.run();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0) * 2);
}

// ---- no sockets: the per-operation cost of the completion mechanism itself -------------------

// One iteration = one asio::post and the run of its completion.
void BM_Post_Callback(benchmark::State& state) {
  asio::io_context ioc(1);
  struct Chain {
    asio::io_context& ioc;
    benchmark::State& state;
    void step() {
      if (state.KeepRunning()) asio::post(ioc, [this] { step(); });
    }
  } chain{ioc, state};
  chain.step();
  ioc.run();
}

void BM_Post_Coroutine(benchmark::State& state) {
  asio::io_context ioc(1);
  asio::co_spawn(
      ioc,
      [&state]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        while (state.KeepRunning()) co_await asio::post(executor, asio::use_awaitable);
      },
      asio::detached);
  ioc.run();
}

// One iteration = arm an already-expired timer and run its completion (error_code path, as
// every socket operation has).
void BM_Timer_Callback(benchmark::State& state) {
  asio::io_context ioc(1);
  asio::steady_timer timer(ioc);
  struct Chain {
    asio::steady_timer& timer;
    benchmark::State& state;
    void step() {
      if (!state.KeepRunning()) return;
      timer.expires_at(asio::steady_timer::time_point::min());
      timer.async_wait([this](error_code ec) {
        if (!ec) step();
      });
    }
  } chain{timer, state};
  chain.step();
  ioc.run();
}

void BM_Timer_Coroutine(benchmark::State& state) {
  asio::io_context ioc(1);
  asio::steady_timer timer(ioc);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        while (state.KeepRunning()) {
          timer.expires_at(asio::steady_timer::time_point::min());
          auto [ec] = co_await timer.async_wait(kTuple);
          if (ec) break;
        }
      },
      asio::detached);
  ioc.run();
}

// One iteration = call and co_await a trivial sub-coroutine (a frame allocation, no I/O), as
// the data plane does for readHead / readBody / exchange.
asio::awaitable<int> trivialSubCoroutine(int value) { co_return value + 1; }

void BM_SubCoroutineCall(benchmark::State& state) {
  asio::io_context ioc(1);
  asio::co_spawn(
      ioc,
      [&state]() -> asio::awaitable<void> {
        int value = 0;
        while (state.KeepRunning()) {
          value = co_await trivialSubCoroutine(value);
          benchmark::DoNotOptimize(value);
        }
      },
      asio::detached);
  ioc.run();
}

}  // namespace

BENCHMARK(BM_PingPong_Coroutine)->Arg(64)->Arg(16 * 1024);
BENCHMARK(BM_PingPong_Callback)->Arg(64)->Arg(16 * 1024);
BENCHMARK(BM_Post_Coroutine);
BENCHMARK(BM_Post_Callback);
BENCHMARK(BM_Timer_Coroutine);
BENCHMARK(BM_Timer_Callback);
BENCHMARK(BM_SubCoroutineCall);
