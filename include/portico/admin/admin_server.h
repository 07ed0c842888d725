// The admin listener (default 127.0.0.1:15000): GET /ready answers 200 "LIVE" once the
// listeners are up and 503 "DRAINING" after a stop signal. Runs on the main thread's
// io_context, away from the workers. Small by design; /stats etc. come with their issues.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>

namespace portico::admin {

class AdminServer {
 public:
  enum class State { kStarting, kLive, kDraining };

  explicit AdminServer(boost::asio::io_context& context) : acceptor_(context) {}

  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void start();
  void close();
  void setState(State s) { state_.store(s); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<State> state_{State::kStarting};
};

}  // namespace portico::admin
