// The admin listener (default 127.0.0.1:15000), Envoy-style: GET /ready (and
// /healthz/ready) answers 200 "LIVE" once the listeners are up and 503 "DRAINING" after a
// stop signal; `/` is an HTML index of every page; every other page is a handler
// registered by the component that owns the data (stats, config dump, reload).
// Runs on the main thread's io_context, away from the workers; handlers run there too.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace portico::admin {

struct AdminRequest {
  std::string_view method;
  std::string_view path;   // without the query
  std::string_view query;  // after '?', raw
  std::string_view body;
};

struct AdminResponse {
  unsigned status = 200;
  std::string contentType = "text/plain; charset=UTF-8";
  std::string body;
};

class AdminServer {
 public:
  enum class State { kStarting, kLive, kDraining };
  using Handler = std::function<AdminResponse(const AdminRequest&)>;

  explicit AdminServer(boost::asio::io_context& context) : acceptor_(context) {}

  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void start();
  void close();
  void setState(State s) { state_.store(s); }
  State state() const { return state_.load(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  boost::asio::any_io_executor executor() { return acceptor_.get_executor(); }

  // Registers `path` (exact match). A mutating handler answers only POST, as Envoy's
  // /quitquitquit and friends do, so that a browser or a crawler cannot trigger it.
  void addHandler(std::string path, std::string help, Handler handler, bool mutating = false);

 private:
  struct Entry {
    std::string help;
    Handler handler;
    bool mutating = false;
  };

  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  AdminResponse dispatch(const AdminRequest& request) const;
  AdminResponse indexPage() const;

  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<State> state_{State::kStarting};
  std::map<std::string, Entry, std::less<>> handlers_;
};

}  // namespace portico::admin
