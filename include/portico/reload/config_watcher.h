// Watches the config (and certificate) paths with inotify on the owner's io_context and
// calls back once per burst of changes. Directories are watched, not files, so the three
// ways files really change are all seen: an in-place write (IN_CLOSE_WRITE), an editor's
// write-to-temp-then-rename (IN_MOVED_TO) and a Kubernetes ConfigMap update, which creates
// a new `..<timestamp>` directory and renames a `..data_tmp` symlink over `..data` in the
// mounted directory. Events are coalesced: the callback runs `debounce` after the last
// event of a burst, and at the latest `maxDelay` after its first.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace portico::reload {

class ConfigWatcher {
 public:
  using Callback = std::function<void()>;

  ConfigWatcher(boost::asio::io_context& context, std::chrono::milliseconds debounce,
                Callback onChange);
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Replaces the watched set: the -c paths (files or directories, searched the way the
  // loader reads them) plus extra files (certificates). Call again after every reload: a
  // ConfigMap swap or a new subdirectory changes which directories exist. Returns false
  // (with a message) when inotify itself is unavailable.
  bool watch(const std::vector<std::string>& configPaths, const std::vector<std::string>& files,
             std::string& error);
  void close();

  // The directories currently watched (tests and /config_dump).
  std::vector<std::string> watchedDirectories() const;
  uint64_t eventCount() const { return events_; }

 private:
  void readLoop();
  void onEvent(const std::string& name, uint32_t mask);
  void arm();

  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds debounce_;
  Callback onChange_;
  std::map<int, std::string> watches_;  // watch descriptor -> directory
  std::set<std::string> fileNames_;     // base names of extra files that trigger a reload
  std::optional<std::chrono::steady_clock::time_point> burstStart_;
  std::vector<char> buffer_;
  uint64_t events_ = 0;
};

}  // namespace portico::reload
