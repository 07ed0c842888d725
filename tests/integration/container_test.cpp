// The Dockerfile, checked without Docker (docs/operations.md says what this covers and what
// it does not): the scripts it runs exist and are the README's; the runtime package set covers
// every shared library the built binary loads; its user, ports, paths and health check agree
// with deploy/kubernetes/; and the binary serves the Kubernetes ConfigMap when started with
// the image's ENTRYPOINT + CMD, answers the HEALTHCHECK command, and drains on STOPSIGNAL.
#include <fnmatch.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway.h"
#include "support/process.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = PORTICO_SOURCE_DIR;

struct Instruction {
  std::string stage;  // the FROM ... AS name it belongs to
  std::string keyword;
  std::string args;
};

// Dockerfile instructions with line continuations joined and comments dropped.
std::vector<Instruction> dockerfile() {
  std::istringstream in(readFile(kSource / "Dockerfile"));
  std::vector<Instruction> out;
  std::string line, pending, stage;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    bool continued = !line.empty() && line.back() == '\\';
    pending += continued ? line.substr(0, line.size() - 1) : line;
    if (continued) continue;
    std::string keyword, args;
    RE2::FullMatch(pending, "\\s*(\\w+)\\s+(.*)", &keyword, &args);
    pending.clear();
    std::string name;
    if (keyword == "FROM" && RE2::PartialMatch(args, "(?i)\\sAS\\s+(\\S+)", &name)) stage = name;
    out.push_back({stage, keyword, args});
  }
  return out;
}

std::vector<const Instruction*> find(const std::vector<Instruction>& all, const std::string& stage,
                                     const std::string& keyword) {
  std::vector<const Instruction*> out;
  for (const auto& i : all)
    if (i.stage == stage && i.keyword == keyword) out.push_back(&i);
  return out;
}

std::vector<std::string> jsonArray(const std::string& text) {
  return YAML::Load(text).as<std::vector<std::string>>();  // JSON is YAML
}

std::vector<std::string> runtimePackages() {
  auto r = runCommand((kSource / "scripts/install-deps.sh").string() + " runtime --print");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  std::vector<std::string> pkgs;
  std::istringstream in(r.output);
  for (std::string p; std::getline(in, p);)
    if (!p.empty()) pkgs.push_back(p);
  return pkgs;
}

// The Debian package that ships `path` (merged /usr: the database may know either spelling).
std::string owningPackage(const fs::path& path) {
  std::vector<std::string> candidates = {path.string()};
  std::string s = path.string();
  if (s.starts_with("/usr/"))
    candidates.push_back(s.substr(4));
  else
    candidates.push_back("/usr" + s);
  std::error_code ec;
  auto real = fs::canonical(path, ec);
  if (!ec) {
    candidates.push_back(real.string());
    std::string r = real.string();
    candidates.push_back(r.starts_with("/usr/") ? r.substr(4) : "/usr" + r);
  }
  for (const auto& c : candidates) {
    auto r = runCommand("dpkg -S " + c + " 2>/dev/null");
    std::string pkg;
    if (r.exitCode == 0 && RE2::PartialMatch(r.output, "^([^:,\\s]+)", &pkg)) return pkg;
  }
  return {};
}

std::vector<YAML::Node> manifests() {
  std::vector<YAML::Node> docs;
  for (const auto& e : fs::directory_iterator(kSource / "deploy/kubernetes"))
    for (auto& d : YAML::LoadAllFromFile(e.path().string())) docs.push_back(d);
  return docs;
}

YAML::Node manifest(const std::string& kind) {
  for (auto& d : manifests())
    if (d["kind"].as<std::string>() == kind) return d;
  ADD_FAILURE() << "no " << kind << " in deploy/kubernetes";
  return {};
}

// ENTRYPOINT + CMD of the runtime stage, as the container runs it.
std::vector<std::string> imageCommand(const std::vector<Instruction>& all) {
  auto entry = find(all, "runtime", "ENTRYPOINT");
  auto cmd = find(all, "runtime", "CMD");
  EXPECT_EQ(entry.size(), 1u);
  EXPECT_EQ(cmd.size(), 1u);
  if (entry.size() != 1 || cmd.size() != 1) return {};
  auto argv = jsonArray(entry[0]->args);
  for (auto& a : jsonArray(cmd[0]->args)) argv.push_back(a);
  return argv;
}

std::string flagValue(const std::vector<std::string>& argv, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1];
  return {};
}

TEST(Container, BuildStepsAreTheReadmeScripts) {
  auto all = dockerfile();
  ASSERT_FALSE(all.empty());
  std::set<std::string> stages;
  for (const auto& i : find(all, "build", "FROM")) stages.insert(i->args);
  for (const auto& i : find(all, "runtime", "FROM")) stages.insert(i->args);
  EXPECT_THAT(stages, ::testing::ElementsAre("debian:12 AS build", "debian:12-slim AS runtime"));

  // Every script a RUN calls exists, is executable and is copied in from scripts/.
  std::set<std::string> called;
  for (const auto& i : all) {
    if (i.keyword != "RUN") continue;
    EXPECT_EQ(i.args.find("apt-get"), std::string::npos)
        << "packages come from scripts/install-deps.sh only: " << i.args;
    re2::StringPiece input(i.args);
    std::string script;
    while (RE2::FindAndConsume(&input, "([\\w/.-]*\\.sh)\\b", &script)) called.insert(script);
  }
  EXPECT_THAT(called, ::testing::IsSupersetOf(
                          {"scripts/install-deps.sh", "scripts/build.sh", "/tmp/install-deps.sh"}));
  for (const auto& script : called) {
    fs::path p = script.starts_with("/tmp/") ? kSource / "scripts" / fs::path(script).filename()
                                             : kSource / script;
    EXPECT_TRUE(fs::exists(p)) << p;
    EXPECT_NE(fs::status(p).permissions() & fs::perms::owner_exec, fs::perms::none) << p;
  }
  // The same calls the README's run.sh makes.
  const auto runSh = readFile(kSource / "scripts/run.sh");
  EXPECT_NE(runSh.find("scripts/install-deps.sh build"), std::string::npos);
  EXPECT_NE(runSh.find("scripts/build.sh"), std::string::npos);
  bool installsBuildSet = false, installsRuntimeSet = false;
  for (const auto& i : all) {
    if (i.keyword != "RUN") continue;
    installsBuildSet |=
        i.stage == "build" && i.args.find("install-deps.sh build") != std::string::npos;
    installsRuntimeSet |=
        i.stage == "runtime" && i.args.find("install-deps.sh runtime") != std::string::npos;
  }
  EXPECT_TRUE(installsBuildSet);
  EXPECT_TRUE(installsRuntimeSet);
  // The binary the runtime stage copies is the one build.sh produces.
  bool copiesBinary = false;
  for (const auto* i : find(all, "runtime", "COPY"))
    copiesBinary |= i->args == "--from=build /src/build/release/portico /usr/local/bin/portico";
  EXPECT_TRUE(copiesBinary);
  EXPECT_NE(readFile(kSource / "scripts/build.sh").find("-B build/release"), std::string::npos);
}

// .dockerignore must not drop what the build stage compiles. Docker matches patterns like
// Go's filepath.Match, which agrees with fnmatch(FNM_PATHNAME) for the patterns used here.
TEST(Container, DockerignoreKeepsEveryTrackedBuildInput) {
  std::vector<std::string> patterns;
  std::istringstream in(readFile(kSource / ".dockerignore"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') patterns.push_back(line);
  }
  ASSERT_FALSE(patterns.empty());
  auto files = runCommand("git -C " + kSource.string() + " ls-files");
  ASSERT_EQ(files.exitCode, 0) << files.output;
  std::istringstream tracked(files.output);
  int inputs = 0;
  for (std::string file; std::getline(tracked, file);) {
    if (file == "CMakeLists.txt" || file.starts_with("src/") || file.starts_with("include/") ||
        file.starts_with("tests/") || file.starts_with("scripts/") || file.starts_with("config/")) {
      ++inputs;
      // A pattern excludes a path when it matches the path or one of its parent directories.
      for (auto pos = file.find('/');; pos = file.find('/', pos + 1)) {
        const std::string prefix = file.substr(0, pos);
        for (const auto& pattern : patterns) {
          EXPECT_NE(::fnmatch(pattern.c_str(), prefix.c_str(), FNM_PATHNAME), 0)
              << pattern << " excludes " << file;
        }
        if (pos == std::string::npos) break;
      }
    }
  }
  EXPECT_GT(inputs, 100);
}

TEST(Container, RuntimePackagesCoverEveryLinkedLibrary) {
  auto pkgs = runtimePackages();
  std::set<std::string> runtime(pkgs.begin(), pkgs.end());
  auto ldd = runCommand(std::string("ldd ") + PORTICO_BINARY);
  ASSERT_EQ(ldd.exitCode, 0) << ldd.output;

  std::istringstream in(ldd.output);
  int libraries = 0;
  for (std::string line; std::getline(in, line);) {
    std::string path;
    if (!RE2::PartialMatch(line, "=>\\s+(/\\S+)\\s+\\(", &path) &&
        !RE2::FullMatch(line, "\\s*(/\\S+)\\s+\\(.*", &path)) {
      continue;  // linux-vdso: no file
    }
    const auto name = fs::path(path).filename().string();
    // Sanitizer builds link the compiler's runtimes; release builds (the image's) do not.
    if (RE2::PartialMatch(name, "^lib(asan|ubsan|lsan|tsan)\\.")) continue;
    ++libraries;
    const auto pkg = owningPackage(path);
    EXPECT_FALSE(pkg.empty()) << "no package ships " << path;
    EXPECT_TRUE(runtime.contains(pkg))
        << path << " comes from " << pkg << ", missing from install-deps.sh runtime";
  }
  EXPECT_GE(libraries, 10) << ldd.output;

  // The HEALTHCHECK's tool is in the runtime set too.
  auto all = dockerfile();
  auto hc = find(all, "runtime", "HEALTHCHECK");
  ASSERT_EQ(hc.size(), 1u);
  std::string cmd;
  ASSERT_TRUE(RE2::PartialMatch(hc[0]->args, "CMD\\s+(\\[.*\\])", &cmd));
  auto tool = runCommand("command -v " + jsonArray(cmd).at(0));
  ASSERT_EQ(tool.exitCode, 0);
  tool.output.erase(tool.output.find_last_not_of('\n') + 1);
  EXPECT_TRUE(runtime.contains(owningPackage(tool.output))) << tool.output;
}

TEST(Container, ImageAgreesWithKubernetesManifests) {
  auto all = dockerfile();
  auto argv = imageCommand(all);
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv[0], "/usr/local/bin/portico");
  EXPECT_EQ(flagValue(argv, "-c"), "/etc/portico/config");
  EXPECT_EQ(flagValue(argv, "--credentials-dir"), "/etc/portico/credentials");
  EXPECT_EQ(flagValue(argv, "--admin-address"), "0.0.0.0:15000");  // probes come from the node

  auto user = find(all, "runtime", "USER");
  ASSERT_EQ(user.size(), 1u);
  auto stop = find(all, "runtime", "STOPSIGNAL");
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0]->args, "SIGTERM");
  auto expose = find(all, "runtime", "EXPOSE");
  ASSERT_EQ(expose.size(), 1u);
  EXPECT_EQ(expose[0]->args, "8080 8443 15000");
  auto hc = find(all, "runtime", "HEALTHCHECK");
  ASSERT_EQ(hc.size(), 1u);
  EXPECT_THAT(hc[0]->args, ::testing::HasSubstr("http://127.0.0.1:15000/ready"));

  auto deployment = manifest("Deployment");
  auto pod = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(user[0]->args, pod["securityContext"]["runAsUser"].as<std::string>() + ":" +
                               pod["securityContext"]["runAsGroup"].as<std::string>());
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  auto container = pod["containers"][0];
  EXPECT_FALSE(container["command"]) << "the image's ENTRYPOINT runs";
  EXPECT_FALSE(container["args"]) << "the image's CMD runs";

  std::map<std::string, int> containerPorts;
  for (const auto& p : container["ports"])
    containerPorts[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  EXPECT_EQ(containerPorts,
            (std::map<std::string, int>{{"admin", 15000}, {"http", 8080}, {"https", 8443}}));
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/ready");

  // The preStop hook's tool ships in every Debian image (an Essential package).
  auto preStop = container["lifecycle"]["preStop"]["exec"]["command"][0].as<std::string>();
  auto tool = runCommand("command -v " + preStop);
  ASSERT_EQ(tool.exitCode, 0) << preStop;
  tool.output.erase(tool.output.find_last_not_of('\n') + 1);
  auto essential = runCommand("dpkg-query -W -f='${Essential}' " + owningPackage(tool.output));
  EXPECT_EQ(essential.output, "yes") << tool.output;

  std::map<std::string, std::string> mounts;
  for (const auto& m : container["volumeMounts"])
    mounts[m["mountPath"].as<std::string>()] = m["name"].as<std::string>();
  EXPECT_TRUE(mounts.contains(flagValue(argv, "-c")));
  EXPECT_TRUE(mounts.contains(flagValue(argv, "--credentials-dir")));
}

class ContainerCommand : public ::testing::Test {
 protected:
  TempDir dir;
};

TEST_F(ContainerCommand, ServesTheConfigMapAnswersHealthcheckAndDrainsOnStopSignal) {
  auto all = dockerfile();
  auto argv = imageCommand(all);
  ASSERT_FALSE(argv.empty());
  const uint16_t port = freePort(), admin = freePort();

  // /etc/portico/config as the kubelet would fill it from the ConfigMap, on free ports.
  const fs::path config = dir.path() / "config", credentials = dir.path() / "credentials";
  fs::create_directories(config);
  fs::create_directories(credentials);
  for (const auto& file : manifest("ConfigMap")["data"]) {
    const auto name = file.first.as<std::string>();
    std::string text = file.second.as<std::string>();
    if (name == "gateway.yaml") {
      ASSERT_TRUE(RE2::Replace(&text, "number: 8080\\b", "number: " + std::to_string(port)));
    }
    dir.write("config/" + name, text);
  }

  const bool hasCredentialsFlag =
      runCommand(std::string(PORTICO_BINARY) + " --help").output.find("--credentials-dir") !=
      std::string::npos;
  std::vector<std::string> cmd = {PORTICO_BINARY};
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::string a = argv[i];
    if (a == "--credentials-dir" && !hasCredentialsFlag) {
      // Until the TLS listener work adds the flag, the image passes it ahead of time.
      std::cout << "note: this portico has no --credentials-dir yet; run without it\n";
      ++i;
      continue;
    }
    if (a == "/etc/portico/config") a = config.string();
    if (a == "/etc/portico/credentials") a = credentials.string();
    if (a == "0.0.0.0:15000") a = "127.0.0.1:" + std::to_string(admin);
    cmd.push_back(a);
  }
  ChildProcess gateway(cmd, (dir.path() / "portico.log").string());
  ASSERT_TRUE(waitForPort(admin, std::chrono::seconds(20))) << readFile(dir.path() / "portico.log");

  std::string hcArgs;
  ASSERT_TRUE(RE2::PartialMatch(find(all, "runtime", "HEALTHCHECK").at(0)->args,
                                "CMD\\s+(\\[.*\\])", &hcArgs));
  std::string healthcheck;
  for (auto word : jsonArray(hcArgs)) {
    RE2::GlobalReplace(&word, ":15000/", ":" + std::to_string(admin) + "/");
    healthcheck += "'" + word + "' ";
  }
  // /ready answers 503 until every listener is bound: the HEALTHCHECK's start period.
  int exit = -1;
  for (int attempt = 0; attempt < 50 && exit != 0; ++attempt) {
    exit = runCommand(healthcheck).exitCode;
    if (exit != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(exit, 0) << readFile(dir.path() / "portico.log");

  // The ConfigMap's routes are live: /products matches the seed's route (its Kubernetes DNS
  // name does not resolve here, hence 503), anything else has no route (404).
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(curl("--max-time 20 " + base + "/orders").status, 404);
  EXPECT_EQ(curl("--max-time 20 " + base + "/products/1").status, 503);

  // STOPSIGNAL: /ready fails (503 while draining, refused once gone), then a clean exit.
  auto sig = find(all, "runtime", "STOPSIGNAL").at(0)->args;
  ASSERT_EQ(sig, "SIGTERM");
  gateway.signal(SIGTERM);
  bool unhealthy = false;
  for (int attempt = 0; attempt < 40 && !unhealthy; ++attempt) {
    unhealthy = runCommand(healthcheck).exitCode != 0;
    if (!unhealthy) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(unhealthy) << readFile(dir.path() / "portico.log");
  EXPECT_EQ(gateway.wait(std::chrono::seconds(20)), 0) << readFile(dir.path() / "portico.log");
}

}  // namespace
}  // namespace portico::testing
