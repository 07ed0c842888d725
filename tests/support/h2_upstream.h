// One portico_test_h2_upstream process (see tests/support/h2_upstream/main.cpp) on a port the
// kernel handed out, stopped by pid when the fixture goes away.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "support/process.h"

namespace portico::testing {

class H2Upstream {
 public:
  explicit H2Upstream(std::string name = "h2upstream");
  uint16_t port() const { return port_; }
  const std::string& name() const { return name_; }
  // Connections the upstream accepted and request streams it received since it started, not
  // counting the harness's own readiness probe and /stats calls (from its /stats).
  uint64_t connections() const;
  uint64_t streams() const;
  ChildProcess& process() { return *process_; }

 private:
  std::pair<uint64_t, uint64_t> rawStats() const;

  std::string name_;
  uint16_t port_;
  mutable uint64_t statsCalls_ = 0;  // each /stats call is a connection and a stream
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace portico::testing
