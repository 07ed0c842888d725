// Wakes the coroutines waiting on the same io_context: wait() suspends until notify(),
// which wakes every waiter. A notify() with nobody waiting is lost, so waiters re-check
// their condition in a loop (safe on one thread: nothing runs between the check and the
// wait). Several may wait at once (a stream's request and response pumps): the expiry is
// set once, because setting it again would cancel, and so wake, the other waiters.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::core {

class AsyncSignal {
 public:
  explicit AsyncSignal(const boost::asio::any_io_executor& executor) : timer_(executor) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
  }

  boost::asio::awaitable<void> wait() {
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  void notify() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace portico::core
