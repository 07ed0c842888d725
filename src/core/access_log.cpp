#include "portico/core/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

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

// %START_TIME%: 2026-11-27T21:30:05.123Z. Returns the length written into `buf` (>= 25).
std::size_t formatStartTime(std::chrono::system_clock::time_point t, char* buf) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  int n = std::snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        static_cast<int>(ms % 1000));
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

// Header values are bytes; a JSON line must be UTF-8. Invalid sequences become U+FFFD.
std::string_view validUtf8(std::string_view v, std::string& scratch) {
  auto isCont = [](unsigned char c) { return (c & 0xC0) == 0x80; };
  bool clean = true;
  for (char c : v) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      clean = false;
      break;
    }
  }
  if (clean) return v;
  scratch.clear();
  for (std::size_t i = 0; i < v.size();) {
    auto c = static_cast<unsigned char>(v[i]);
    std::size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                                   : (c >= 0xF0 && c <= 0xF4)   ? 4
                                                                : 0;
    bool ok = len > 0 && i + len <= v.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = isCont(static_cast<unsigned char>(v[i + k]));
    if (ok && len == 3) {
      auto c1 = static_cast<unsigned char>(v[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogate
    }
    if (ok && len == 4) {
      auto c1 = static_cast<unsigned char>(v[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      scratch.append(v.substr(i, len));
      i += len;
    } else {
      scratch.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return scratch;
}

}  // namespace

std::string AccessLog::formatJson(const AccessLogEntry& e) {
  // The same fields as the text format, Envoy's names; absent values are null.
  unsigned char buffer[2048];
  boost::json::monotonic_resource memory(buffer, sizeof buffer);
  boost::json::object o(&memory);
  std::string scratch;
  auto str = [&](std::string_view key, std::string_view v) {
    if (v.empty()) {
      o.emplace(key, nullptr);
    } else {
      o.emplace(key, validUtf8(v, scratch));
    }
  };
  char stamp[40];
  o.emplace("start_time", std::string_view(stamp, formatStartTime(e.startTime, stamp)));
  str("method", e.method);
  str("path", e.path);
  str("protocol", e.protocol);
  o.emplace("response_code", e.responseCode);
  str("response_flags", e.responseFlags);
  o.emplace("bytes_received", e.bytesReceived);
  o.emplace("bytes_sent", e.bytesSent);
  o.emplace("duration", e.durationMs);
  str("upstream_service_time", e.upstreamServiceTime);
  str("x_forwarded_for", e.forwardedFor);
  str("user_agent", e.userAgent);
  str("x_request_id", e.requestId);
  str("authority", e.authority);
  str("upstream_host", e.upstreamHost);
  std::string line = boost::json::serialize(o);
  line.push_back('\n');
  return line;
}

AccessLog::AccessLog(const std::string& target, AccessLogFormat format, unsigned shards)
    : path_(target), format_(format) {
  if (target.empty() || target == "off") {
    disabled_ = true;
    return;
  }
  if (target == "-") {
    fd_ = STDOUT_FILENO;
  } else {
    fd_ = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ownsFd_ = fd_ >= 0;
  }
  if (fd_ < 0) return;
  for (unsigned i = 0; i < std::max(1u, shards); ++i) shards_.push_back(std::make_unique<Shard>());
  writer_ = std::thread([this] { writerLoop(); });
}

AccessLog::~AccessLog() {
  if (writer_.joinable()) {
    {
      std::lock_guard lock(wakeMutex_);
      stop_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }
  if (ownsFd_) ::close(fd_);
}

void AccessLog::write(const AccessLogEntry& entry, unsigned shard) {
  if (fd_ < 0) return;
  std::string line = format_ == AccessLogFormat::kJson ? formatJson(entry) : format(entry);
  Shard& s = *shards_[shard % shards_.size()];
  {
    std::lock_guard lock(s.mutex);
    if (s.buffer.size() + line.size() > kMaxShardBytes) {
      ++s.dropped;
      return;
    }
    s.buffer.append(line);
  }
  // Only the first line of a batch wakes the writer.
  if (!pending_.exchange(true, std::memory_order_acq_rel)) {
    std::lock_guard lock(wakeMutex_);
    wake_.notify_one();
  }
}

void AccessLog::reopen() {
  if (fd_ < 0) return;
  reopen_.store(true);
  std::lock_guard lock(wakeMutex_);
  wake_.notify_one();
}

void AccessLog::flush() {
  if (!writer_.joinable()) return;
  std::unique_lock lock(wakeMutex_);
  uint64_t target = ++flushRequests_;
  wake_.notify_one();
  flushed_.wait(lock, [&] { return flushesDone_ >= target || stop_; });
}

uint64_t AccessLog::dropped() const {
  uint64_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    total += s->dropped;
  }
  return total;
}

bool AccessLog::drainShards(std::string& batch) {
  for (auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    if (s->buffer.empty()) continue;
    if (batch.empty()) {
      batch.swap(s->buffer);  // the shard gets the batch's old capacity back
    } else {
      batch.append(s->buffer);
      s->buffer.clear();
    }
  }
  return !batch.empty();
}

void AccessLog::writeAll(const std::string& batch) {
  std::size_t done = 0;
  while (done < batch.size()) {
    ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // disk full or closed pipe: the batch is lost, the proxy goes on
    done += static_cast<std::size_t>(n);
  }
}

void AccessLog::writerLoop() {
  std::string batch;
  for (;;) {
    bool stopping = false;
    uint64_t flushTarget = 0;
    {
      std::unique_lock lock(wakeMutex_);
      wake_.wait(lock, [&] {
        return stop_ || pending_.load() || reopen_.load() || flushRequests_ > flushesDone_;
      });
      stopping = stop_;
      flushTarget = flushRequests_;
    }
    pending_.store(false, std::memory_order_release);
    if (reopen_.exchange(false) && ownsFd_) {
      // logrotate renamed the file: lines from now on go to a fresh file at the path.
      int fresh = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fresh >= 0) {
        ::dup2(fresh, fd_);
        ::close(fresh);
      }
    }
    batch.clear();
    if (drainShards(batch)) {
      uint64_t lines = static_cast<uint64_t>(std::count(batch.begin(), batch.end(), '\n'));
      writeAll(batch);
      written_.fetch_add(lines, std::memory_order_relaxed);
    }
    {
      std::lock_guard lock(wakeMutex_);
      flushesDone_ = flushTarget;
    }
    flushed_.notify_all();
    if (stopping) return;
  }
}

std::string AccessLog::format(const AccessLogEntry& e) {
  // [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
  // %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
  // %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
  // "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
  std::string out;
  out.reserve(256);
  char stamp[40];
  out.push_back('[');
  out.append(stamp, formatStartTime(e.startTime, stamp));
  out.append("] ");
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

}  // namespace portico::core
