#include "support/redis_server.h"

#include <csignal>
#include <stdexcept>

namespace portico::testing {

RedisServer::RedisServer() : port_(freePort()) {
  if (!start()) throw std::runtime_error("redis-server did not start");
}

bool RedisServer::start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no"},
      dir_.path().string() + "/redis.log");
  return waitForPort(port_, std::chrono::seconds(5));
}

void RedisServer::kill() {
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(5));
}

std::string RedisServer::cli(const std::string& args) const {
  return runCommand("redis-cli -p " + std::to_string(port_) + " " + args,
                    std::chrono::seconds(10))
      .output;
}

}  // namespace portico::testing
