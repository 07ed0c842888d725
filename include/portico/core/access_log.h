// The access log: one line per request, in Envoy's default text format or as one JSON
// object per line (--access-log-format json), to stdout or a file. Workers never block on
// it: each worker appends its lines to its own shard buffer (a mutex only the writer
// thread ever contends for, once per batch) and a writer thread drains the shards with
// one write(2) per batch. A shard past its bound drops lines and counts them. reopen()
// (SIGUSR1) makes the writer open the path again, for logrotate. Owned by core::Server,
// created before the workers and destroyed after them (the last lines are flushed).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

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

enum class AccessLogFormat { kText, kJson };

class AccessLog {
 public:
  // Bytes a shard may hold while the writer is behind; lines beyond are dropped.
  static constexpr std::size_t kMaxShardBytes = 4 * 1024 * 1024;

  // "-": stdout, "off" or "": disabled, anything else: a file opened for append.
  // `shards`: one per worker (write() takes the worker's id).
  explicit AccessLog(const std::string& target, AccessLogFormat format = AccessLogFormat::kText,
                     unsigned shards = 1);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool ok() const { return fd_ >= 0 || disabled_; }
  bool enabled() const { return fd_ >= 0; }
  // From worker `shard`'s thread (shard >= shards wraps). Never blocks on I/O.
  void write(const AccessLogEntry& entry, unsigned shard = 0);
  // Thread-safe: the writer reopens the file (a no-op for stdout) before its next batch.
  void reopen();
  // Thread-safe: returns once every line appended before the call has been written.
  void flush();
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t dropped() const;

  static std::string format(const AccessLogEntry& entry);
  static std::string formatJson(const AccessLogEntry& entry);

 private:
  struct Shard {
    std::mutex mutex;
    std::string buffer;
    uint64_t dropped = 0;
  };
  void writerLoop();
  // Writer thread: swaps every shard's buffer out and writes them; false when all empty.
  bool drainShards(std::string& batch);
  void writeAll(const std::string& batch);

  std::string path_;
  AccessLogFormat format_;
  int fd_ = -1;
  bool ownsFd_ = false;
  bool disabled_ = false;
  std::vector<std::unique_ptr<Shard>> shards_;

  std::mutex wakeMutex_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::atomic<bool> pending_{false};
  std::atomic<bool> reopen_{false};
  bool stop_ = false;
  uint64_t flushRequests_ = 0;  // guarded by wakeMutex_
  uint64_t flushesDone_ = 0;    // guarded by wakeMutex_
  std::atomic<uint64_t> written_{0};
  std::thread writer_;
};

}  // namespace portico::core
