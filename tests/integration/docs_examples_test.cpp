// Every YAML file under docs/ and config/ passes `portico validate --strict`, so examples
// cannot rot. Files in one directory form one config set (a VirtualService names a Gateway in
// a sibling file), so each directory is validated as a whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "support/process.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;

std::set<fs::path> yamlDirectories(const fs::path& root) {
  std::set<fs::path> dirs;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      dirs.insert(entry.path().parent_path());
    }
  }
  return dirs;
}

TEST(DocsExamples, EveryYamlDirectoryValidatesStrictly) {
  const fs::path source = PORTICO_SOURCE_DIR;
  std::set<fs::path> dirs = yamlDirectories(source / "docs");
  dirs.merge(yamlDirectories(source / "config"));
  ASSERT_TRUE(dirs.contains(source / "config"));
  const auto examples = std::count_if(dirs.begin(), dirs.end(), [&](const fs::path& d) {
    return d.string().starts_with((source / "docs/examples").string());
  });
  ASSERT_GE(examples, 3);

  for (const auto& dir : dirs) {
    SCOPED_TRACE(dir.string());
    auto r = runCommand(std::string(PORTICO_BINARY) + " validate --strict " + dir.string());
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find(": 0 errors, 0 warnings\n"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace portico::testing
