// docs/getting-started.md, run as written: its ```yaml file=PATH blocks are written, its ```sh
// blocks run in one bash session in order, and each ```text block must equal the output of the
// command block before it. Only the ports (to free ones) and build/release/ (to the test build)
// are substituted; ```sh no-test blocks (install, build) are skipped, as the doc says.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.h"

namespace portico::testing {
namespace {

struct Block {
  std::string info;  // the fence's info string: "sh", "yaml file=x", "text", ...
  std::string body;
};

// Fenced blocks (``` at the start of a line) in document order.
std::vector<Block> fencedBlocks(const std::string& markdown) {
  std::vector<Block> blocks;
  std::istringstream in(markdown);
  std::string line;
  Block* open = nullptr;
  while (std::getline(in, line)) {
    if (line.starts_with("```")) {
      if (open) {
        open = nullptr;
      } else {
        blocks.push_back({line.substr(3), {}});
        open = &blocks.back();
      }
      continue;
    }
    if (open) open->body += line + "\n";
  }
  return blocks;
}

// The doc's fixed ports and build paths, replaced by this run's.
std::string substitute(std::string text, const std::map<std::string, std::string>& ports) {
  for (const auto& [from, to] : ports) RE2::GlobalReplace(&text, "\\b" + from + "\\b", to);
  RE2::GlobalReplace(&text, "build/release/portico_test_upstream", PORTICO_TEST_UPSTREAM);
  RE2::GlobalReplace(&text, "build/release/portico\\b", PORTICO_BINARY);
  return text;
}

std::string marker(std::size_t i) { return "@@portico-doc-block-" + std::to_string(i) + "@@"; }

TEST(GettingStarted, WalkThroughRunsAsWritten) {
  const auto doc = readFile(std::filesystem::path(PORTICO_SOURCE_DIR) / "docs/getting-started.md");
  const auto blocks = fencedBlocks(doc);
  ASSERT_FALSE(blocks.empty());

  const std::map<std::string, std::string> ports = {{"8080", std::to_string(freePort())},
                                                    {"8081", std::to_string(freePort())},
                                                    {"8082", std::to_string(freePort())},
                                                    {"15000", std::to_string(freePort())}};

  // One script; markers between command blocks split its output per block. Background jobs
  // the doc starts are stopped by pid when the script ends, whatever happens.
  std::string script = "set -eu -o pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n";
  std::vector<std::pair<std::size_t, std::string>> expected;  // command block index -> output
  std::size_t commandBlocks = 0, files = 0;
  std::size_t lastCommand = SIZE_MAX;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    std::string file;
    if (RE2::FullMatch(b.info, "yaml file=(\\S+)", &file)) {
      script += "mkdir -p \"$(dirname '" + file + "')\"\ncat > '" + file +
                "' <<'PORTICO_DOC_EOF'\n" + substitute(b.body, ports) + "PORTICO_DOC_EOF\n";
      ++files;
    } else if (b.info == "sh") {
      script += "echo '" + marker(i) + "'\n" + substitute(b.body, ports);
      lastCommand = i;
      ++commandBlocks;
    } else if (b.info == "text") {
      ASSERT_NE(lastCommand, SIZE_MAX) << "a ```text block before any ```sh block";
      expected.emplace_back(lastCommand, substitute(b.body, ports));
      lastCommand = SIZE_MAX;  // one expected output per command block
    } else {
      EXPECT_TRUE(b.info == "sh no-test" || b.info.empty()) << "unknown block: ```" << b.info;
    }
  }
  script += "echo '" + marker(blocks.size()) + "'\n";
  EXPECT_GE(files, 5u);
  EXPECT_GE(commandBlocks, 6u);

  TempDir dir;
  dir.write("walkthrough.sh", script);
  auto run = runCommand("cd " + dir.path().string() + " && bash walkthrough.sh 2>stderr.txt",
                        std::chrono::seconds(240));
  const std::string stderrText = readFile(dir.path() / "stderr.txt");
  const std::string daemonLog = readFile(dir.path() / "portico.log");
  ASSERT_EQ(run.exitCode, 0) << "stdout:\n"
                             << run.output << "\nstderr:\n"
                             << stderrText << "\nportico.log:\n"
                             << daemonLog;
  ASSERT_NE(run.output.find(marker(blocks.size())), std::string::npos) << run.output;

  for (const auto& [index, want] : expected) {
    const std::string begin = marker(index) + "\n";
    auto from = run.output.find(begin);
    ASSERT_NE(from, std::string::npos) << index;
    from += begin.size();
    auto to = run.output.find("@@portico-doc-block-", from);
    EXPECT_EQ(run.output.substr(from, to - from), want)
        << "output of the ```sh block #" << index << " differs from the doc's ```text block";
  }
}

}  // namespace
}  // namespace portico::testing
