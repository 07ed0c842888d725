#include "portico/upstream/http2_connection_pool.h"

#include <algorithm>

namespace portico::upstream {

Http2ConnectionPool::Lease Http2ConnectionPool::acquire(
    const boost::asio::any_io_executor& executor, const boost::asio::ip::tcp::endpoint& endpoint,
    std::chrono::milliseconds connectTimeout, uint32_t maxRequestsPerConnection) {
  std::erase_if(connections_, [](const auto& c) { return c->closed(); });
  for (const auto& c : connections_) {
    if (c->acceptsStreams()) {
      c->promise();
      return {c, false};
    }
  }
  auto fresh = std::make_shared<Http2UpstreamConnection>(executor, maxRequestsPerConnection);
  fresh->start(endpoint, connectTimeout);
  fresh->promise();
  connections_.push_back(fresh);
  return {std::move(fresh), true};
}

void Http2ConnectionPool::sweep() {
  auto now = Http2UpstreamConnection::Clock::now();
  for (const auto& c : connections_) {
    if (c->activeStreams() == 0 && now - c->idleSince() > idleTimeout_) c->shutdown();
  }
  std::erase_if(connections_, [](const auto& c) { return c->closed(); });
}

void Http2ConnectionPool::closeAll() {
  for (const auto& c : connections_) c->shutdown();
  std::erase_if(connections_, [](const auto& c) { return c->closed(); });
}

}  // namespace portico::upstream
