// Wakes one coroutine waiting on the same io_context: wait() suspends until notify().
// A notify() with nobody waiting is lost, so waiters re-check their condition in a loop
// (safe on one thread: nothing runs between the check and the wait).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::core {

class AsyncSignal {
 public:
  explicit AsyncSignal(const boost::asio::any_io_executor& executor) : timer_(executor) {}

  boost::asio::awaitable<void> wait() {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  void notify() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace portico::core
