// Test helpers for starting real processes and finding free loopback ports. Every
// process a test starts is stopped by pid when its ChildProcess goes out of scope.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace portico::testing {

class ChildProcess {
 public:
  // Starts argv[0] with argv; stdout and stderr go to `logPath` (appended) if not empty.
  ChildProcess(std::vector<std::string> argv, std::string logPath = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit status (128+signal if killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout (and stderr when merged)
};
// Runs a shell command bounded by `timeout` (coreutils `timeout`), capturing stdout+stderr.
CommandResult runCommand(const std::string& command,
                         std::chrono::seconds timeout = std::chrono::seconds(60));

// A port the kernel just handed out on 127.0.0.1 (bound to 0, then released).
uint16_t freePort();
// True once something accepts TCP connections on 127.0.0.1:port.
bool waitForPort(uint16_t port, std::chrono::milliseconds timeout);

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path& path);

}  // namespace portico::testing
