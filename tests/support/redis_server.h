// A real redis-server on a free loopback port for integration tests, without persistence,
// stopped by pid with the object. kill() + start() simulate an outage on the same port.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "support/process.h"

namespace portico::testing {

class RedisServer {
 public:
  RedisServer();
  // Starts (again) on the same port; true once it accepts connections.
  bool start();
  // SIGKILL: connections drop at once, as when the server or its host dies.
  void kill();
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // redis-cli against this server; its output.
  std::string cli(const std::string& args) const;

 private:
  TempDir dir_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace portico::testing
