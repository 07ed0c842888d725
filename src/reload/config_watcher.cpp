#include "portico/reload/config_watcher.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace portico::reload {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// Only these changes can alter what the loader reads; IN_MODIFY is left out on purpose:
// a slow writer would trigger a reload of a half-written file before its IN_CLOSE_WRITE.
constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                           IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// A burst that never pauses (a generator rewriting a file in a loop) still reloads.
constexpr int kMaxDelayFactor = 10;

bool isConfigName(const std::string& name) {
  auto endsWith = [&](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return endsWith(".yaml") || endsWith(".yml");
}

// Directories the loader reads for `path`, the way source_loader walks them: recursively,
// following symlinks, skipping names that start with '.'.
void collectDirectories(const fs::path& dir, std::set<std::string>& out, int depth) {
  std::error_code ec;
  fs::path canonical = fs::canonical(dir, ec);
  if (ec || depth > 16) return;
  if (!out.insert(dir.lexically_normal().string()).second) return;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.filename().string().starts_with(".")) continue;
    std::error_code sec;
    if (fs::is_directory(fs::status(p, sec))) collectDirectories(p, out, depth + 1);
  }
}

}  // namespace

ConfigWatcher::ConfigWatcher(asio::io_context& context, std::chrono::milliseconds debounce,
                             Callback onChange)
    : descriptor_(context),
      timer_(context),
      debounce_(debounce),
      onChange_(std::move(onChange)),
      buffer_(64 * 1024) {}

ConfigWatcher::~ConfigWatcher() { close(); }

void ConfigWatcher::close() {
  boost::system::error_code ec;
  timer_.cancel();
  descriptor_.close(ec);
  watches_.clear();
}

bool ConfigWatcher::watch(const std::vector<std::string>& configPaths,
                          const std::vector<std::string>& files, std::string& error) {
  if (!descriptor_.is_open()) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      error = std::string("inotify_init1: ") + std::strerror(errno);
      return false;
    }
    descriptor_.assign(fd);
    readLoop();
  }

  std::set<std::string> wanted;
  auto addFileDirectories = [&](const fs::path& file) {
    // The file's own directory catches renames over it; the directory of what a symlink
    // points to catches edits of the target (the ConfigMap case is caught one level up,
    // where `..data` is swapped).
    std::error_code ec;
    fs::path parent = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    wanted.insert(parent.lexically_normal().string());
    fs::path target = fs::canonical(file, ec);
    if (!ec) wanted.insert(target.parent_path().string());
  };
  fileNames_.clear();
  for (const auto& path : configPaths) {
    std::error_code ec;
    if (fs::is_directory(fs::status(path, ec))) {
      collectDirectories(path, wanted, 0);
    } else {
      addFileDirectories(path);
      fileNames_.insert(fs::path(path).filename().string());
    }
  }
  for (const auto& file : files) {
    std::error_code ec;
    if (fs::is_directory(fs::status(file, ec))) {
      wanted.insert(fs::path(file).lexically_normal().string());  // a mounted secret
      continue;
    }
    addFileDirectories(file);
    fileNames_.insert(fs::path(file).filename().string());
  }

  // Drop watches no longer wanted, add the new ones; unchanged ones stay (no gap).
  int fd = descriptor_.native_handle();
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (!wanted.count(it->second)) {
      inotify_rm_watch(fd, it->first);
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& dir : wanted) {
    bool present = std::any_of(watches_.begin(), watches_.end(),
                               [&](const auto& w) { return w.second == dir; });
    if (present) continue;
    int wd = inotify_add_watch(fd, dir.c_str(), kMask);
    if (wd < 0) {
      // A path that does not exist yet is not an error: its parent is watched.
      spdlog::debug("config watcher: cannot watch {}: {}", dir, std::strerror(errno));
      continue;
    }
    watches_[wd] = dir;
  }
  return true;
}

std::vector<std::string> ConfigWatcher::watchedDirectories() const {
  std::vector<std::string> out;
  for (const auto& [wd, dir] : watches_) out.push_back(dir);
  std::sort(out.begin(), out.end());
  return out;
}

void ConfigWatcher::readLoop() {
  descriptor_.async_read_some(
      asio::buffer(buffer_), [this](boost::system::error_code ec, std::size_t n) {
        if (ec) {
          if (ec != asio::error::operation_aborted) {
            spdlog::warn("config watcher stopped: {}", ec.message());
          }
          return;
        }
        std::size_t offset = 0;
        while (offset + sizeof(inotify_event) <= n) {
          inotify_event event;
          std::memcpy(&event, buffer_.data() + offset, sizeof event);
          std::string name;
          if (event.len > 0) name.assign(buffer_.data() + offset + sizeof event);
          offset += sizeof event + event.len;
          onEvent(name, event.mask);
        }
        readLoop();
      });
}

void ConfigWatcher::onEvent(const std::string& name, uint32_t mask) {
  if (mask & IN_Q_OVERFLOW) {
    arm();  // events were lost: reload to be sure
    return;
  }
  if (mask & IN_IGNORED) return;
  // Directory-level events (a ConfigMap's `..data` swap, a new subdirectory, the watched
  // directory itself going away) and YAML or watched files count; editor swap files do not.
  bool relevant = name.empty() || (mask & IN_ISDIR) || name.starts_with("..") ||
                  isConfigName(name) || fileNames_.count(name);
  if (!relevant) return;
  ++events_;
  arm();
}

void ConfigWatcher::arm() {
  auto now = std::chrono::steady_clock::now();
  if (!burstStart_) burstStart_ = now;
  auto deadline = std::min(now + debounce_, *burstStart_ + debounce_ * kMaxDelayFactor);
  timer_.expires_at(deadline);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    burstStart_.reset();
    onChange_();
  });
}

}  // namespace portico::reload
