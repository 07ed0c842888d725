// Writes one line per request in Envoy's default access-log format. Shared by all
// workers: each line goes out in a single write(2), so lines never interleave.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace portico::core {

struct AccessLogEntry {
  std::chrono::system_clock::time_point startTime;
  std::string_view method;
  std::string_view path;  // X-ENVOY-ORIGINAL-PATH?:PATH, with query
  std::string_view protocol;
  unsigned responseCode = 0;
  std::string_view responseFlags;
  uint64_t bytesReceived = 0;
  uint64_t bytesSent = 0;
  int64_t durationMs = 0;
  std::string_view upstreamServiceTime;
  std::string_view forwardedFor;
  std::string_view userAgent;
  std::string_view requestId;
  std::string_view authority;
  std::string_view upstreamHost;
};

class AccessLog {
 public:
  // "-": stdout, "off" or "": disabled, anything else: a file opened for append.
  explicit AccessLog(const std::string& target);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool ok() const { return fd_ >= 0 || disabled_; }
  bool enabled() const { return fd_ >= 0; }
  void write(const AccessLogEntry& entry);
  static std::string format(const AccessLogEntry& entry);

 private:
  int fd_ = -1;
  bool ownsFd_ = false;
  bool disabled_ = false;
};

}  // namespace portico::core
