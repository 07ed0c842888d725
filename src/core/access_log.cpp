#include "portico/core/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace portico::core {
namespace {

void appendOrDash(std::string& out, std::string_view v) {
  if (v.empty()) {
    out.push_back('-');
  } else {
    out.append(v);
  }
}

void appendQuoted(std::string& out, std::string_view v) {
  out.push_back('"');
  appendOrDash(out, v);
  out.push_back('"');
}

}  // namespace

AccessLog::AccessLog(const std::string& target) {
  if (target.empty() || target == "off") {
    disabled_ = true;
  } else if (target == "-") {
    fd_ = STDOUT_FILENO;
  } else {
    fd_ = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ownsFd_ = fd_ >= 0;
  }
}

AccessLog::~AccessLog() {
  if (ownsFd_) ::close(fd_);
}

std::string AccessLog::format(const AccessLogEntry& e) {
  // [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
  // %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
  // %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
  // "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
  std::string out;
  out.reserve(256);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(e.startTime.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "[%04d-%02d-%02dT%02d:%02d:%02d.%03dZ] ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  out.append(stamp);
  out.push_back('"');
  appendOrDash(out, e.method);
  out.push_back(' ');
  appendOrDash(out, e.path);
  out.push_back(' ');
  appendOrDash(out, e.protocol);
  out.append("\" ");
  out.append(std::to_string(e.responseCode)).push_back(' ');
  appendOrDash(out, e.responseFlags);
  out.push_back(' ');
  out.append(std::to_string(e.bytesReceived)).push_back(' ');
  out.append(std::to_string(e.bytesSent)).push_back(' ');
  out.append(std::to_string(e.durationMs)).push_back(' ');
  appendOrDash(out, e.upstreamServiceTime);
  out.push_back(' ');
  appendQuoted(out, e.forwardedFor);
  out.push_back(' ');
  appendQuoted(out, e.userAgent);
  out.push_back(' ');
  appendQuoted(out, e.requestId);
  out.push_back(' ');
  appendQuoted(out, e.authority);
  out.push_back(' ');
  appendQuoted(out, e.upstreamHost);
  out.push_back('\n');
  return out;
}

void AccessLog::write(const AccessLogEntry& entry) {
  if (fd_ < 0) return;
  std::string line = format(entry);
  ssize_t n = ::write(fd_, line.data(), line.size());
  (void)n;
}

}  // namespace portico::core
