#include "portico/config/source_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/process.h"

namespace portico::config {
namespace {

namespace fs = std::filesystem;
using portico::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const char* kDoc = "kind: X\n";

std::vector<std::string> relative(const std::vector<std::string>& files, const fs::path& base) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(fs::path(f).lexically_relative(base).string());
  return out;
}

TEST(SourceLoaderTest, DirectoriesAreReadRecursivelyInLexicalPathOrder) {
  TempDir dir;
  dir.write("b.yaml", kDoc);
  dir.write("a.yaml", kDoc);
  dir.write("a/x.yml", kDoc);
  dir.write("sub/deeper/c.yaml", kDoc);
  dir.write("notes.txt", kDoc);
  dir.write("README.md", kDoc);
  Diagnostics diags;
  auto files = expandConfigPaths({dir.path().string()}, diags);
  EXPECT_THAT(diags.items(), IsEmpty());
  EXPECT_THAT(relative(files, dir.path()),
              ElementsAre("a.yaml", "a/x.yml", "b.yaml", "sub/deeper/c.yaml"));
}

TEST(SourceLoaderTest, SkipsNamesStartingWithADot) {
  TempDir dir;
  dir.write(".hidden.yaml", kDoc);
  dir.write(".git/config.yaml", kDoc);
  dir.write("visible.yaml", kDoc);
  Diagnostics diags;
  EXPECT_THAT(relative(expandConfigPaths({dir.path().string()}, diags), dir.path()),
              ElementsAre("visible.yaml"));
}

TEST(SourceLoaderTest, FollowsSymlinkedFilesAndDirectoriesReadingEachRealFileOnce) {
  TempDir real;
  real.write("shared/one.yaml", kDoc);
  real.write("two.yaml", kDoc);
  TempDir dir;
  fs::create_symlink(real.path() / "two.yaml", dir.path() / "link.yaml");
  fs::create_directory_symlink(real.path() / "shared", dir.path() / "linked-dir");
  fs::create_directory_symlink(dir.path(), dir.path() / "loop");  // must not recurse forever
  Diagnostics diags;
  auto files = expandConfigPaths(
      {dir.path().string(), (real.path() / "two.yaml").string(), dir.path().string()}, diags);
  EXPECT_THAT(diags.items(), IsEmpty());
  EXPECT_THAT(relative(files, dir.path()), ElementsAre("link.yaml", "linked-dir/one.yaml"));
}

TEST(SourceLoaderTest, ConfigMapVolumeLayoutLoadsEachFileOnce) {
  TempDir dir;
  // What kubelet writes for a mounted ConfigMap.
  dir.write("..2026_11_27_10_00_00.123/gateway.yaml", kDoc);
  dir.write("..2026_11_27_10_00_00.123/routes.yaml", kDoc);
  fs::create_directory_symlink("..2026_11_27_10_00_00.123", dir.path() / "..data");
  fs::create_symlink("..data/gateway.yaml", dir.path() / "gateway.yaml");
  fs::create_symlink("..data/routes.yaml", dir.path() / "routes.yaml");
  Diagnostics diags;
  auto files = expandConfigPaths({dir.path().string()}, diags);
  EXPECT_THAT(diags.items(), IsEmpty());
  EXPECT_THAT(relative(files, dir.path()), ElementsAre("gateway.yaml", "routes.yaml"));
}

TEST(SourceLoaderTest, ExplicitFileIsLoadedWhateverItsExtension) {
  TempDir dir;
  auto p = dir.write("config.txt", kDoc);
  Diagnostics diags;
  EXPECT_THAT(expandConfigPaths({p.string()}, diags), ElementsAre(p.string()));
}

TEST(SourceLoaderTest, MissingPathIsAnError) {
  Diagnostics diags;
  auto files = expandConfigPaths({"/nonexistent/portico.yaml"}, diags);
  EXPECT_THAT(files, IsEmpty());
  ASSERT_EQ(diags.errorCount(), 1u);
  EXPECT_EQ(diags.items()[0].format(), "/nonexistent/portico.yaml: no such file or directory");
}

TEST(SourceLoaderTest, MultiDocumentFilesSkipEmptyDocuments) {
  TempDir dir;
  auto p = dir.write("multi.yaml", "---\n# only a comment\n---\nkind: A\n---\n---\nkind: B\n...\n");
  Diagnostics diags;
  auto docs = readDocuments(p.string(), diags);
  EXPECT_THAT(diags.items(), IsEmpty());
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].node["kind"].as<std::string>(), "A");
  EXPECT_EQ(docs[0].mark.line, 4);
  EXPECT_EQ(docs[1].node["kind"].as<std::string>(), "B");
  EXPECT_EQ(docs[1].mark.line, 7);
  EXPECT_EQ(docs[1].file, p.string());
}

TEST(SourceLoaderTest, KubernetesListIsFlattened) {
  TempDir dir;
  auto p = dir.write("list.yaml", R"(apiVersion: v1
kind: List
items:
- kind: A
- kind: B
---
kind: C
)");
  Diagnostics diags;
  auto docs = readDocuments(p.string(), diags);
  EXPECT_THAT(diags.items(), IsEmpty());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].node["kind"].as<std::string>(), "A");
  EXPECT_EQ(docs[0].mark.line, 4);
  EXPECT_EQ(docs[0].mark.column, 3);
  EXPECT_EQ(docs[1].node["kind"].as<std::string>(), "B");
  EXPECT_EQ(docs[2].node["kind"].as<std::string>(), "C");
}

TEST(SourceLoaderTest, SyntaxErrorIsOneDiagnosticWithItsPosition) {
  TempDir dir;
  auto p = dir.write("bad.yaml", "kind: A\nspec:\n  hosts: [a, b\n  other: 1\n");
  Diagnostics diags;
  auto docs = readDocuments(p.string(), diags);
  EXPECT_THAT(docs, IsEmpty());
  ASSERT_EQ(diags.items().size(), 1u);
  const auto& d = diags.items()[0];
  EXPECT_EQ(d.severity, Severity::kError);
  EXPECT_EQ(d.mark.line, 4);
  EXPECT_EQ(d.mark.column, 8);
  EXPECT_EQ(d.format(), p.string() + ":4:8: YAML syntax error: end of sequence flow not found");
}

TEST(SourceLoaderTest, NonMappingDocumentIsAnError) {
  TempDir dir;
  auto p = dir.write("scalar.yaml", "just text\n---\n- a\n");
  Diagnostics diags;
  EXPECT_THAT(readDocuments(p.string(), diags), IsEmpty());
  EXPECT_EQ(diags.format(), p.string() + ":1:1: expected a resource (a YAML mapping)\n" +
                                p.string() + ":3:1: expected a resource (a YAML mapping)\n");
}

}  // namespace
}  // namespace portico::config
