// Runs the loader over every file of the Istio conformance corpus (copied from istio/istio and
// istio.io into /work/shared/conformance/istio): nothing crashes, the crdvalidation samples are
// rejected with the error their `_err:` key names, and every other file loads without errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <sstream>

#include "portico/config/config_set.h"
#include "portico/config/source_loader.h"
#include "portico/config/validate_command.h"
#include "support/process.h"

namespace portico::config {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(PORTICO_SHARED_DIR) / "conformance" / "istio";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::vector<fs::path> corpusFiles() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool isCrdValidation(const fs::path& p) {
  return p.filename().string().starts_with("crdvalidation-");
}

// What each `_err:` of the crdvalidation files must produce: the text itself where our message
// carries it, otherwise Istio's own wording for the same rule (ISTIO-API.md §6).
const std::map<std::string, std::string> kExpectedError = {
    {"spec.trafficPolicy.loadBalancer.warmup.minimumPercent: Invalid value",
     "spec.trafficPolicy.loadBalancer.warmup.minimumPercent: Invalid value"},
    {"spec.trafficPolicy.loadBalancer.warmup.duration: Required value",
     "spec.trafficPolicy.loadBalancer.warmup.duration: Required value"},
    {"spec.trafficPolicy.loadBalancer.warmup.aggression: Invalid value",
     "spec.trafficPolicy.loadBalancer.warmup.aggression: Invalid value"},
    {"spec: Required value", "spec: Required value"},
    {"spec.hosts: Required value", "spec.hosts: Required value"},
    {"wildcard is not supported in selector", "wildcard is not supported in selector"},
    {"only one of WorkloadSelector or Endpoints can be set",
     "only one of WorkloadSelector or Endpoints can be set"},
    {"hostname cannot be wildcard", "hostname cannot be wildcard"},
    {"CIDR addresses are allowed only for NONE/STATIC resolution types",
     "CIDR addresses are allowed only for NONE/STATIC resolution types"},
    {"Duplicate value", "Duplicate value"},
    {"port number cannot be duplicated", "port number cannot be duplicated"},
    {"port must be between 1-65535", "port number 99999 must be in the range 1..65535"},
    {"NONE mode cannot set endpoints", "no endpoints should be provided for resolution type none"},
    {"DNS_ROUND_ROBIN mode cannot have multiple endpoints",
     "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN"},
};

struct ExpectedFailure {
  std::string file;
  std::string name;
  std::string err;
  int firstLine = 0;  // the document's lines: [firstLine, lastLine)
  int lastLine = 0;
};

std::vector<ExpectedFailure> expectedFailures() {
  std::vector<ExpectedFailure> out;
  for (const auto& path : corpusFiles()) {
    if (!isCrdValidation(path)) continue;
    Diagnostics ignored;
    auto docs = readDocuments(path.string(), ignored);
    for (std::size_t i = 0; i < docs.size(); ++i) {
      ExpectedFailure f;
      f.file = path.string();
      f.name = docs[i].node["metadata"]["name"].as<std::string>("");
      f.err = docs[i].node["_err"].as<std::string>("");
      f.firstLine = docs[i].mark.line;
      f.lastLine = i + 1 < docs.size() ? docs[i + 1].mark.line : 1 << 30;
      out.push_back(f);
    }
  }
  return out;
}

TEST(ConformanceTest, CorpusIsPresent) {
  ASSERT_TRUE(fs::is_directory(kCorpus)) << kCorpus;
  EXPECT_GE(corpusFiles().size(), 60u);
}

TEST(ConformanceTest, EveryFileLoadsAndOnlyCrdValidationSamplesFail) {
  for (const auto& path : corpusFiles()) {
    SCOPED_TRACE(path.filename().string());
    ConfigSet set = loadConfig({path.string()});
    if (isCrdValidation(path)) {
      EXPECT_TRUE(set.diagnostics.hasErrors());
    } else {
      EXPECT_FALSE(set.diagnostics.hasErrors()) << set.diagnostics.format();
    }
  }
}

// The samples reuse names (several `reviews` VirtualServices, three `mygateway` Gateways), so
// one run over all of them reports duplicates, and nothing else.
TEST(ConformanceTest, WholeCorpusInOneRunOnlyReportsDuplicateNames) {
  std::vector<std::string> paths;
  for (const auto& p : corpusFiles()) {
    if (!isCrdValidation(p)) paths.push_back(p.string());
  }
  ConfigSet set = loadConfig(paths);
  for (const auto& d : set.diagnostics.items()) {
    if (d.severity != Severity::kError) continue;
    EXPECT_EQ(d.field, "metadata.name") << d.format();
    EXPECT_THAT(d.message, ::testing::StartsWith("duplicate ")) << d.format();
  }
  EXPECT_GT(set.virtualServices.size(), 30u);
  EXPECT_GT(set.gateways.size(), 10u);
}

TEST(ConformanceTest, EveryCrdValidationSampleHasAnExpectation) {
  auto failures = expectedFailures();
  EXPECT_EQ(failures.size(), 15u);  // 3 DestinationRules + 12 ServiceEntries
  for (const auto& f : failures) {
    EXPECT_TRUE(kExpectedError.contains(f.err)) << f.name << ": _err " << f.err;
  }
}

TEST(ConformanceTest, EachCrdValidationSampleFailsWithItsExpectedError) {
  std::map<std::string, ConfigSet> loaded;
  for (const auto& f : expectedFailures()) {
    SCOPED_TRACE(f.name + " (_err: " + f.err + ")");
    auto [it, fresh] = loaded.try_emplace(f.file);
    if (fresh) it->second = loadConfig({f.file});
    const auto expected = lower(kExpectedError.at(f.err));
    bool found = false;
    std::string inDocument;
    for (const auto& d : it->second.diagnostics.items()) {
      if (d.mark.line < f.firstLine || d.mark.line >= f.lastLine) continue;
      inDocument += d.format() + "\n";
      found = found || (d.severity == Severity::kError &&
                        lower(d.format()).find(expected) != std::string::npos);
    }
    EXPECT_TRUE(found) << "expected an error containing \"" << expected << "\"; got:\n"
                       << inDocument;
  }
}

// Files with warnings that matter: Istio itself rejects these fields or modes, we load them.
TEST(ConformanceTest, RemovedAndMeshOnlyFieldsAreWarnedAbout) {
  auto warnings = [](const std::string& file) {
    ConfigSet set = loadConfig({(kCorpus / file).string()});
    EXPECT_FALSE(set.diagnostics.hasErrors()) << set.diagnostics.format();
    return set.diagnostics.format();
  };
  EXPECT_THAT(warnings("testdata-rule-websocket-route.yaml"),
              ::testing::HasSubstr("warning: VirtualService testns/websocket-route: "
                                   "spec.http[0].websocketUpgrade: unknown field, ignored"));
  EXPECT_THAT(warnings("expose-services.yaml"),
              ::testing::HasSubstr("spec.servers[0].tls.mode: AUTO_PASSTHROUGH is mesh-only"));
  EXPECT_THAT(warnings("destination-rule-all-mtls.yaml"),
              ::testing::HasSubstr("spec.trafficPolicy.tls.mode: ISTIO_MUTUAL is mesh-only"));
}

TEST(ValidateCommandTest, PrintsDiagnosticsAndSummary) {
  std::ostringstream out;
  const std::string file = (kCorpus / "crdvalidation-destinationrule-invalid.yaml").string();
  EXPECT_EQ(runValidate({file}, false, out), 1);
  EXPECT_THAT(out.str(),
              ::testing::HasSubstr(
                  file + ":24:9: DestinationRule default/bookinfo-ratings: "
                         "spec.trafficPolicy.loadBalancer.warmup.duration: Required value\n"));
  EXPECT_THAT(out.str(), ::testing::EndsWith("\n1 file, 3 resources: 5 errors, 6 warnings\n"));
}

TEST(ValidateCommandTest, WarningsExitZeroUnlessStrict) {
  const std::string file = (kCorpus / "expose-services.yaml").string();
  std::ostringstream lenient;
  EXPECT_EQ(runValidate({file}, false, lenient), 0);
  EXPECT_THAT(lenient.str(), ::testing::EndsWith("1 file, 1 resource: 0 errors, 1 warning\n"));
  std::ostringstream strict;
  EXPECT_EQ(runValidate({file}, true, strict), 1);
  EXPECT_THAT(strict.str(), ::testing::EndsWith("1 file, 1 resource: 1 error, 0 warnings\n"));
}

TEST(ValidateCommandTest, BinarySubcommand) {
  const std::string binary = PORTICO_BINARY;
  auto ok = portico::testing::runCommand(
      binary + " validate " + (kCorpus / "bookinfo-gateway.yaml").string() + " 2>&1",
      std::chrono::seconds(30));
  EXPECT_EQ(ok.exitCode, 0);
  EXPECT_EQ(ok.output, "1 file, 2 resources: 0 errors, 0 warnings\n");
  auto bad = portico::testing::runCommand(binary + " validate /nonexistent.yaml 2>&1",
                                          std::chrono::seconds(30));
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_EQ(
      bad.output,
      "/nonexistent.yaml: no such file or directory\n0 files, 0 resources: 1 error, 0 warnings\n");
}

}  // namespace
}  // namespace portico::config
