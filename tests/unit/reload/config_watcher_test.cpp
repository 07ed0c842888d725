// The watcher on a real inotify fd and a real io_context: which file changes reach the
// callback, and how bursts coalesce.
#include "portico/reload/config_watcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/process.h"

namespace portico::reload {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

class ConfigWatcherTest : public ::testing::Test {
 protected:
  // Runs the context for `time`, performing `change` first; returns the callbacks seen.
  int run(const std::function<void()>& change, std::chrono::milliseconds time = 400ms) {
    change();
    context.restart();
    context.run_for(time);
    return calls;
  }
  bool watch(const std::vector<std::string>& paths, const std::vector<std::string>& files = {}) {
    std::string error;
    return watcher.watch(paths, files, error);
  }

  portico::testing::TempDir dir;
  boost::asio::io_context context;
  int calls = 0;
  ConfigWatcher watcher{context, 50ms, [this] { ++calls; }};
};

TEST_F(ConfigWatcherTest, InPlaceWriteAndEditorRenameEachReloadOnce) {
  write(dir.path() / "a.yaml", "x: 1\n");
  ASSERT_TRUE(watch({dir.path().string()}));
  EXPECT_EQ(run([&] { write(dir.path() / "a.yaml", "x: 2\n"); }), 1);
  EXPECT_EQ(run([&] {
              write(dir.path() / "a.yaml.swp", "junk");  // not a config name
              write(dir.path() / "a.yaml.tmp~", "x: 3\n");
              fs::rename(dir.path() / "a.yaml.tmp~", dir.path() / "a.yaml");
            }),
            2);
}

TEST_F(ConfigWatcherTest, BurstOfWritesCoalescesIntoOneCallback) {
  ASSERT_TRUE(watch({dir.path().string()}));
  EXPECT_EQ(run([&] {
              for (int i = 0; i < 20; ++i) {
                write(dir.path() / ("f" + std::to_string(i % 4) + ".yaml"), "x: 1\n");
              }
            }),
            1);
}

TEST_F(ConfigWatcherTest, KubeletConfigMapSwapIsOneCallback) {
  fs::path mount = dir.path() / "cm";
  fs::create_directories(mount / "..2026_01_01_00_00_00.1");
  write(mount / "..2026_01_01_00_00_00.1" / "g.yaml", "x: 1\n");
  fs::create_directory_symlink("..2026_01_01_00_00_00.1", mount / "..data");
  fs::create_symlink("..data/g.yaml", mount / "g.yaml");
  ASSERT_TRUE(watch({mount.string()}));
  EXPECT_EQ(watcher.watchedDirectories(), std::vector<std::string>{mount.string()})
      << "the ..data internals are not walked";
  EXPECT_EQ(run([&] {
              fs::create_directory(mount / "..2026_01_01_00_01_00.2");
              write(mount / "..2026_01_01_00_01_00.2" / "g.yaml", "x: 2\n");
              fs::create_directory_symlink("..2026_01_01_00_01_00.2", mount / "..data_tmp");
              fs::rename(mount / "..data_tmp", mount / "..data");
              fs::remove_all(mount / "..2026_01_01_00_00_00.1");
            }),
            1);
}

TEST_F(ConfigWatcherTest, SingleFileWatchesItsDirectoryAndExtraFilesCount) {
  write(dir.path() / "only.yaml", "x: 1\n");
  fs::create_directory(dir.path() / "certs");
  write(dir.path() / "certs" / "tls.crt", "cert");
  ASSERT_TRUE(watch({(dir.path() / "only.yaml").string()}, {(dir.path() / "certs" / "tls.crt").string()}));
  EXPECT_EQ(run([&] { write(dir.path() / "certs" / "tls.crt", "rotated"); }), 1);
  EXPECT_EQ(run([&] { write(dir.path() / "certs" / "other.txt", "x"); }), 1) << "unrelated file";
  EXPECT_EQ(run([&] { write(dir.path() / "only.yaml", "x: 2\n"); }), 2);
}

TEST_F(ConfigWatcherTest, NewSubdirectoryIsWatchedAfterRewatch) {
  ASSERT_TRUE(watch({dir.path().string()}));
  EXPECT_EQ(run([&] { fs::create_directory(dir.path() / "team-a"); }), 1);
  ASSERT_TRUE(watch({dir.path().string()}));
  EXPECT_EQ(watcher.watchedDirectories().size(), 2u);
  EXPECT_EQ(run([&] { write(dir.path() / "team-a" / "vs.yaml", "x: 1\n"); }), 2);
}

}  // namespace
}  // namespace portico::reload
