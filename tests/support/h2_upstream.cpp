#include "support/h2_upstream.h"

#include <re2/re2.h>

#include <stdexcept>

#include "support/http2_request.h"

namespace portico::testing {

H2Upstream::H2Upstream(std::string name) : name_(std::move(name)), port_(freePort()) {
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      PORTICO_TEST_H2_UPSTREAM, "--port", std::to_string(port_), "--name", name_});
  if (!waitForPort(port_, std::chrono::seconds(10))) {
    throw std::runtime_error("h2 upstream did not start");
  }
}

std::pair<uint64_t, uint64_t> H2Upstream::rawStats() const {
  ++statsCalls_;
  auto response = http2Fetch(port_, {.path = "/stats"});
  uint64_t connections = 0, streams = 0;
  RE2::PartialMatch(response.body, R"(connections=(\d+) streams=(\d+))", &connections, &streams);
  return {connections, streams};
}

// Not counted: every /stats call (a connection and a stream of its own) and the readiness
// probe's connection.
uint64_t H2Upstream::connections() const { return rawStats().first - statsCalls_ - 1; }
uint64_t H2Upstream::streams() const { return rawStats().second - statsCalls_; }

}  // namespace portico::testing
