// Integration-test fixtures: the real portico binary and real loopback upstreams, each on
// ports the kernel handed out, each stopped by pid when the fixture goes away.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/process.h"

namespace portico::testing {

// One portico_test_upstream process (see tests/support/upstream/main.cpp).
class Upstream {
 public:
  explicit Upstream(std::string name);
  // With more portico_test_upstream flags, e.g. {"--status", "503"}.
  Upstream(std::string name, const std::vector<std::string>& extraArgs);
  uint16_t port() const { return port_; }
  const std::string& name() const { return name_; }
  // Connections the upstream accepted, and requests it received, since it started, not
  // counting the harness's own probes (from its /__stats).
  uint64_t connections() const;
  uint64_t requests() const;

 private:
  std::pair<uint64_t, uint64_t> rawStats() const;

  std::string name_;
  uint16_t port_;
  mutable uint64_t statsCalls_ = 0;  // each /__stats call is a connection and a request
  std::unique_ptr<ChildProcess> process_;
};

struct GatewayOptions {
  std::vector<std::string> extraArgs;
  unsigned concurrency = 1;
  bool waitReady = true;
  // When set, portico reads this path (file or directory) and the config YAML argument is
  // not written: tests that lay out their own files (a mounted ConfigMap) use it.
  std::filesystem::path configPath{};
};

// The real portico binary on a config written into `dir`.
class Gateway {
 public:
  Gateway(const TempDir& dir, const std::string& configYaml, GatewayOptions options = {});
  ~Gateway();
  uint16_t adminPort() const { return adminPort_; }
  ChildProcess& process() { return *process_; }
  std::string log() const { return readFile(logPath_); }
  // True once the log contains `text` (the access log is written after the response, so
  // a client may see the response first), waiting up to `timeout`.
  bool logContains(const std::string& text,
                   std::chrono::milliseconds timeout = std::chrono::seconds(3)) const;
  bool ready() const { return ready_; }
  const std::filesystem::path& configPath() const { return configPath_; }

 private:
  uint16_t adminPort_;
  std::filesystem::path configPath_;
  std::filesystem::path logPath_;
  std::unique_ptr<ChildProcess> process_;
  bool ready_ = false;
};

// A fixture: the real gateway on a free port, sending every request to one loopback
// upstream `app` (configs.h singleRouteConfig).
class SingleRouteGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override;
  std::string url(const std::string& path) const;

  TempDir dir;
  Upstream app{"app"};
  uint16_t port = freePort();
  std::unique_ptr<Gateway> gw;
};

// Replaces every {{KEY}} in `text`.
std::string fill(std::string text, const std::map<std::string, std::string>& values);

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;
  std::string raw;  // curl's whole output, for failure messages
};
// Runs curl with `args` (URL included), bounded in time.
HttpResult curl(const std::string& args, std::chrono::seconds timeout = std::chrono::seconds(30));

// From the upstream's JSON echo: the value of header `name` as the upstream received it
// (case-insensitive), or "" when absent; `count` says how many times it appeared.
std::string echoedHeader(const std::string& echoJson, const std::string& name, int* count = nullptr);
// Every value of header `name` the upstream received, in order.
std::vector<std::string> echoedHeaderValues(const std::string& echoJson, const std::string& name);
// From the upstream's JSON echo: the request target the upstream received.
std::string echoedTarget(const std::string& echoJson);

// Sends raw bytes on a fresh loopback connection and returns everything read until the
// peer closes or `timeout` passes.
std::string rawExchange(uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace portico::testing
