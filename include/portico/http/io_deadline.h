// A deadline over one socket's pending operations: when it passes before disarm(), the
// socket's operations are cancelled (they complete with operation_aborted) and expired()
// turns true. Lets a coroutine read or connect with a timeout without spawning a second
// operation. Single-threaded: use it on the io_context that owns the socket.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace portico::http {

class IoDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit IoDeadline(const boost::asio::any_io_executor& executor) : timer_(executor) {}
  ~IoDeadline() { disarm(); }
  IoDeadline(const IoDeadline&) = delete;
  IoDeadline& operator=(const IoDeadline&) = delete;

  void armAt(boost::asio::ip::tcp::socket& socket, Clock::time_point when);
  void arm(boost::asio::ip::tcp::socket& socket, Clock::duration after) {
    armAt(socket, Clock::now() + after);
  }
  void disarm();
  bool expired() const { return state_ && *state_; }

 private:
  boost::asio::steady_timer timer_;
  // Shared with the pending wait so that a wait completing after disarm() or destruction
  // touches nothing: the handler holds only a weak reference.
  std::shared_ptr<bool> state_;
};

}  // namespace portico::http
