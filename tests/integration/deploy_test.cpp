// deploy/: the Kubernetes manifests parse as YAML and carry the fields an ingress needs (the
// ConfigMap's files pass `portico validate`, ports, probes on the admin port, a grace period
// above the drain time, resources, mounts, selectors that select), and the systemd unit passes
// `systemd-analyze verify` and reloads with SIGHUP.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/process.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = PORTICO_SOURCE_DIR;

std::map<std::string, YAML::Node> manifestsByKind() {
  std::map<std::string, YAML::Node> byKind;
  for (const auto& e : fs::directory_iterator(kSource / "deploy/kubernetes")) {
    EXPECT_EQ(e.path().extension(), ".yaml") << e.path();
    for (auto& doc : YAML::LoadAllFromFile(e.path().string())) {
      const auto kind = doc["kind"].as<std::string>();
      EXPECT_FALSE(byKind.contains(kind)) << "two " << kind << "s";
      EXPECT_TRUE(doc["apiVersion"]) << kind;
      EXPECT_TRUE(doc["metadata"]["name"]) << kind;
      byKind[kind] = doc;
    }
  }
  return byKind;
}

// `portico --help` prints "--drain-time-s arg (=5)": the default the grace period must exceed.
long drainTimeDefault() {
  auto help = runCommand(std::string(PORTICO_BINARY) + " --help");
  long seconds = -1;
  EXPECT_TRUE(RE2::PartialMatch(help.output, "--drain-time-s arg \\(=(\\d+)\\)", &seconds))
      << help.output;
  return seconds;
}

std::map<std::string, std::string> stringMap(const YAML::Node& node) {
  return node.as<std::map<std::string, std::string>>();
}

TEST(Deploy, ManifestsHaveTheFourKinds) {
  auto m = manifestsByKind();
  std::set<std::string> kinds;
  for (const auto& [k, _] : m) kinds.insert(k);
  EXPECT_EQ(kinds,
            (std::set<std::string>{"ConfigMap", "Deployment", "PodDisruptionBudget", "Service"}));
}

TEST(Deploy, ConfigMapFilesPassValidate) {
  auto configMap = manifestsByKind()["ConfigMap"];
  TempDir dir;
  int files = 0;
  for (const auto& file : configMap["data"]) {
    dir.write(file.first.as<std::string>(), file.second.as<std::string>());
    ++files;
  }
  EXPECT_EQ(files, 2);
  auto r = runCommand(std::string(PORTICO_BINARY) + " validate --strict " + dir.path().string());
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output, "2 files, 2 resources: 0 errors, 0 warnings\n");
}

TEST(Deploy, DeploymentProbesGraceResourcesAndMounts) {
  auto m = manifestsByKind();
  auto deployment = m["Deployment"];
  auto pod = deployment["spec"]["template"]["spec"];
  ASSERT_TRUE(pod.IsMap());
  auto container = pod["containers"][0];

  std::map<std::string, int> ports;
  for (const auto& p : container["ports"])
    ports[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  ASSERT_TRUE(ports.contains("admin"));

  // Probes on the admin port: readiness on /ready, liveness on the socket.
  auto readiness = container["readinessProbe"]["httpGet"];
  EXPECT_EQ(readiness["path"].as<std::string>(), "/ready");
  EXPECT_EQ(readiness["port"].as<std::string>(), "admin");
  EXPECT_EQ(container["livenessProbe"]["tcpSocket"]["port"].as<std::string>(), "admin");
  EXPECT_EQ(ports["admin"], 15000);

  // The grace period covers the preStop wait plus the whole drain, with room to spare.
  const long drain = drainTimeDefault();
  ASSERT_GT(drain, 0);
  auto preStop =
      container["lifecycle"]["preStop"]["exec"]["command"].as<std::vector<std::string>>();
  ASSERT_EQ(preStop.size(), 2u);
  EXPECT_EQ(preStop[0], "sleep");
  EXPECT_GT(pod["terminationGracePeriodSeconds"].as<long>(), std::stol(preStop[1]) + drain + 5);

  EXPECT_TRUE(container["resources"]["requests"]["cpu"]);
  EXPECT_TRUE(container["resources"]["requests"]["memory"]);
  EXPECT_TRUE(container["resources"]["limits"]["memory"]);

  // Config from the ConfigMap at /etc/portico/config; credentials at /etc/portico/credentials.
  std::map<std::string, std::string> mountByVolume;
  for (const auto& v : container["volumeMounts"])
    mountByVolume[v["name"].as<std::string>()] = v["mountPath"].as<std::string>();
  bool configFromConfigMap = false, credentialsFromSecret = false;
  for (const auto& v : pod["volumes"]) {
    const auto name = v["name"].as<std::string>();
    if (v["configMap"]) {
      configFromConfigMap = v["configMap"]["name"].as<std::string>() ==
                                m["ConfigMap"]["metadata"]["name"].as<std::string>() &&
                            mountByVolume[name] == "/etc/portico/config";
    }
    if (v["projected"]) {
      for (const auto& source : v["projected"]["sources"])
        credentialsFromSecret |= bool(source["secret"]);
      credentialsFromSecret &= mountByVolume[name] == "/etc/portico/credentials";
    }
  }
  EXPECT_TRUE(configFromConfigMap);
  EXPECT_TRUE(credentialsFromSecret);

  // The pod carries the labels the ConfigMap's Gateway selects (portico's --gateway-labels).
  auto labels = stringMap(deployment["spec"]["template"]["metadata"]["labels"]);
  EXPECT_EQ(labels["istio"], "ingressgateway");
  for (const auto& [k, v] : stringMap(deployment["spec"]["selector"]["matchLabels"]))
    EXPECT_EQ(labels[k], v) << k;
}

TEST(Deploy, ServiceMapsEightyAndFourFortyThreeAndPdbSelectsThePods) {
  auto m = manifestsByKind();
  auto labels = stringMap(m["Deployment"]["spec"]["template"]["metadata"]["labels"]);

  std::map<int, int> ports;
  for (const auto& p : m["Service"]["spec"]["ports"])
    ports[p["port"].as<int>()] = p["targetPort"].as<int>();
  EXPECT_EQ(ports, (std::map<int, int>{{80, 8080}, {443, 8443}}));
  for (const auto& [k, v] : stringMap(m["Service"]["spec"]["selector"])) EXPECT_EQ(labels[k], v);

  auto pdb = m["PodDisruptionBudget"]["spec"];
  EXPECT_GE(pdb["minAvailable"].as<int>(), 1);
  EXPECT_LT(pdb["minAvailable"].as<int>(), m["Deployment"]["spec"]["replicas"].as<int>());
  for (const auto& [k, v] : stringMap(pdb["selector"]["matchLabels"])) EXPECT_EQ(labels[k], v);
}

TEST(Deploy, SystemdUnitVerifiesAndReloadsWithSighup) {
  const auto unit = readFile(kSource / "deploy/systemd/portico.service");
  EXPECT_THAT(unit, ::testing::HasSubstr("\nExecReload=/bin/kill -HUP $MAINPID\n"));
  EXPECT_THAT(unit, ::testing::HasSubstr("\nKillSignal=SIGTERM\n"));
  std::string execStart;
  ASSERT_TRUE(RE2::PartialMatch(unit, "\nExecStart=([^\n]*)\n", &execStart));
  EXPECT_THAT(execStart, ::testing::HasSubstr(" -c /etc/portico/config"));
  EXPECT_THAT(execStart, ::testing::HasSubstr(" --credentials-dir /etc/portico/credentials"));
  long stopTimeout = 0;
  ASSERT_TRUE(RE2::PartialMatch(unit, "\nTimeoutStopSec=(\\d+)\n", &stopTimeout));
  EXPECT_GT(stopTimeout, drainTimeDefault() + 5);

  // systemd's own checker, on a copy naming the test build's binary.
  TempDir dir;
  std::string copy = unit;
  RE2::GlobalReplace(&copy, "/usr/local/bin/portico", PORTICO_BINARY);
  dir.write("portico.service", copy);
  auto r = runCommand("systemd-analyze verify " + (dir.path() / "portico.service").string());
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output, "") << r.output;
}

}  // namespace
}  // namespace portico::testing
