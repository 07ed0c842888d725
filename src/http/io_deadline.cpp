#include "portico/http/io_deadline.h"

namespace portico::http {

void IoDeadline::armAt(boost::asio::ip::tcp::socket& socket, Clock::time_point when) {
  disarm();
  state_ = std::make_shared<bool>(false);
  timer_.expires_at(when);
  timer_.async_wait([weak = std::weak_ptr<bool>(state_), &socket](boost::system::error_code ec) {
    if (ec) return;
    auto state = weak.lock();
    if (!state) return;
    *state = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
}

void IoDeadline::disarm() {
  if (!state_) return;
  timer_.cancel();
  // Keep a fired deadline readable through expired() until the next arm().
  if (!*state_) state_.reset();
}

}  // namespace portico::http
