#include "support/gateway.h"

#include <thread>

#include "support/configs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <re2/re2.h>

#include <stdexcept>

namespace portico::testing {

Upstream::Upstream(std::string name) : Upstream(std::move(name), {}) {}

Upstream::Upstream(std::string name, const std::vector<std::string>& extraArgs)
    : name_(std::move(name)), port_(freePort()) {
  std::vector<std::string> args{PORTICO_TEST_UPSTREAM, "--port", std::to_string(port_), "--name", name_};
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  process_ = std::make_unique<ChildProcess>(args);
  if (!waitForPort(port_, std::chrono::seconds(10))) throw std::runtime_error("upstream did not start");
}

std::pair<uint64_t, uint64_t> Upstream::rawStats() const {
  ++statsCalls_;
  auto r = runCommand("curl -s http://127.0.0.1:" + std::to_string(port_) + "/__stats");
  uint64_t connections = 0, requests = 0;
  RE2::PartialMatch(r.output, R"re("connections":(\d+),"requests":(\d+))re", &connections, &requests);
  return {connections, requests};
}

// Not counted: every /__stats call (a connection and a request of its own) and the
// readiness probe's connection.
uint64_t Upstream::connections() const {
  auto raw = rawStats().first;
  return raw - statsCalls_ - 1;
}
uint64_t Upstream::requests() const {
  auto raw = rawStats().second;
  return raw - statsCalls_;
}

Gateway::Gateway(const TempDir& dir, const std::string& configYaml, GatewayOptions options)
    : adminPort_(freePort()) {
  configPath_ = options.configPath.empty() ? dir.write("config/gateway.yaml", configYaml)
                                            : options.configPath / "gateway.yaml";
  logPath_ = dir.path() / "portico.log";
  std::vector<std::string> argv{PORTICO_BINARY,
                                "-c",
                                options.configPath.empty() ? configPath_.parent_path().string()
                                                           : options.configPath.string(),
                                "--admin-address",
                                "127.0.0.1:" + std::to_string(adminPort_),
                                "--concurrency",
                                std::to_string(options.concurrency),
                                "--bind-address",
                                "127.0.0.1"};
  argv.insert(argv.end(), options.extraArgs.begin(), options.extraArgs.end());
  process_ = std::make_unique<ChildProcess>(argv, logPath_.string());
  if (options.waitReady) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      auto r = runCommand("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                              std::to_string(adminPort_) + "/ready",
                          std::chrono::seconds(5));
      if (r.output == "200") {
        ready_ = true;
        break;
      }
      usleep(50 * 1000);
    }
  }
}

bool Gateway::logContains(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log().find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Gateway::~Gateway() {
  if (process_) process_->stop(std::chrono::seconds(10));
}

void SingleRouteGatewayTest::SetUp() {
  gw = std::make_unique<Gateway>(dir, singleRouteConfig(port, app.port()));
  ASSERT_TRUE(gw->ready()) << gw->log();
}

std::string SingleRouteGatewayTest::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string needle = "{{" + key + "}}";
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos)) {
      text.replace(pos, needle.size(), value);
      pos += value.size();
    }
  }
  return text;
}

HttpResult curl(const std::string& args, std::chrono::seconds timeout) {
  HttpResult result;
  auto r = runCommand("curl -sS -D - --max-time " + std::to_string(timeout.count()) + " " + args,
                      timeout + std::chrono::seconds(5));
  result.raw = r.output;
  std::string_view rest = r.output;
  // Skip interim responses (100 Continue) and keep the final head.
  for (;;) {
    auto end = rest.find("\r\n\r\n");
    if (!rest.starts_with("HTTP/") || end == std::string_view::npos) break;
    std::string_view head = rest.substr(0, end);
    rest.remove_prefix(end + 4);
    int status = 0;
    RE2::PartialMatch(std::string(head.substr(0, head.find("\r\n"))), R"(HTTP/[\d.]+ (\d+))", &status);
    if (status >= 100 && status < 200 && rest.starts_with("HTTP/")) continue;
    result.status = status;
    result.headers.clear();
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos) {
      std::size_t next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(pos + 2, next == std::string_view::npos ? head.npos : next - pos - 2);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        result.headers[name] = std::string(value);
      }
      pos = next;
    }
    break;
  }
  result.body = std::string(rest);
  return result;
}

std::string echoedHeader(const std::string& echoJson, const std::string& name, int* count) {
  auto values = echoedHeaderValues(echoJson, name);
  if (count) *count = static_cast<int>(values.size());
  return values.empty() ? std::string() : values.front();
}

std::vector<std::string> echoedHeaderValues(const std::string& echoJson, const std::string& name) {
  re2::StringPiece input(echoJson);
  std::string key, value;
  std::vector<std::string> values;
  RE2 pair(R"re(\["((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)"\])re");
  while (RE2::FindAndConsume(&input, pair, &key, &value)) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) values.push_back(value);
  }
  return values;
}

std::string echoedTarget(const std::string& echoJson) {
  std::string target;
  RE2::PartialMatch(echoJson, R"re("target":"((?:[^"\\]|\\.)*)")re", &target);
  return target;
}

std::string rawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace portico::testing
