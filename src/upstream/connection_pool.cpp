#include "portico/upstream/connection_pool.h"

namespace portico::upstream {

std::unique_ptr<UpstreamConnection> ConnectionPool::takeIdle() {
  auto now = UpstreamConnection::Clock::now();
  while (!idle_.empty()) {
    std::unique_ptr<UpstreamConnection> conn = std::move(idle_.back());
    idle_.pop_back();
    if (now - conn->idleSince > idleTimeout_) continue;
    if (conn->closedWhileIdle()) continue;
    ++counters.reused;
    return conn;
  }
  return nullptr;
}

void ConnectionPool::sweep() {
  auto now = UpstreamConnection::Clock::now();
  std::erase_if(idle_, [&](const std::unique_ptr<UpstreamConnection>& c) {
    return now - c->idleSince > idleTimeout_ || c->closedWhileIdle();
  });
}

void ConnectionPool::release(std::unique_ptr<UpstreamConnection> conn) {
  conn->breakerSlot.announceIdle();
  if (idle_.size() >= maxIdle_) return;
  conn->idleSince = UpstreamConnection::Clock::now();
  idle_.push_back(std::move(conn));
}

}  // namespace portico::upstream
