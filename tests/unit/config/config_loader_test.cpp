#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "portico/config/config_set.h"
#include "support/process.h"

namespace portico::config {
namespace {

namespace fs = std::filesystem;
using portico::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const char* kGateway = R"(apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
)";

std::string serviceEntry(const std::string& name,
                         const std::string& apiVersion = "networking.istio.io/v1beta1") {
  return "apiVersion: " + apiVersion + "\nkind: ServiceEntry\nmetadata:\n  name: " + name +
         "\nspec:\n  hosts: [" + name + ".example.com]\n  resolution: DNS\n";
}

TEST(ConfigLoaderTest, LoadsEveryKindFillingMeta) {
  TempDir dir;
  auto a = dir.write("a.yaml", std::string(kGateway) + "---\n" + serviceEntry("one"));
  auto b = dir.write("b.yaml", R"(apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata:
  name: dr
  namespace: prod
  labels: {app: reviews}
spec:
  host: reviews
---
apiVersion: portico.dev/v1alpha1
kind: RateLimitConfig
metadata: {name: rl}
spec:
  targetRefs: [{kind: Gateway, name: gw}]
  limits: [{name: all, requestsPerUnit: 10, unit: MINUTE}]
)");
  ConfigSet set = loadConfig({dir.path().string()});
  EXPECT_THAT(set.diagnostics.items(), IsEmpty()) << set.diagnostics.format();
  EXPECT_THAT(set.sourceFiles, ElementsAre(a.string(), b.string()));
  ASSERT_EQ(set.gateways.size(), 1u);
  ASSERT_EQ(set.serviceEntries.size(), 1u);
  ASSERT_EQ(set.destinationRules.size(), 1u);
  ASSERT_EQ(set.rateLimitConfigs.size(), 1u);

  const auto& gw = set.gateways[0].meta;
  EXPECT_EQ(gw.kind, "Gateway");
  EXPECT_EQ(gw.apiVersion, "networking.istio.io/v1");
  EXPECT_EQ(gw.ns, "default");
  EXPECT_EQ(gw.file, a.string());
  EXPECT_EQ(gw.mark.line, 1);
  EXPECT_EQ(gw.order, 0);
  EXPECT_TRUE(gw.source.IsMap());
  EXPECT_EQ(set.serviceEntries[0].meta.order, 1);
  EXPECT_EQ(set.serviceEntries[0].meta.mark.line, 10);
  const auto& dr = set.destinationRules[0].meta;
  EXPECT_EQ(dr.ns, "prod");
  EXPECT_EQ(dr.labels.at("app"), "reviews");
  EXPECT_EQ(dr.order, 2);
  EXPECT_EQ(dr.displayName(), "DestinationRule prod/dr");
  EXPECT_EQ(set.rateLimitConfigs[0].meta.order, 3);
  EXPECT_EQ(set.rateLimitConfigs[0].meta.apiVersion, "portico.dev/v1alpha1");
}

TEST(ConfigLoaderTest, OtherKindsAreSkippedSilently) {
  TempDir dir;
  dir.write("k8s.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec: {replicas: 1}
---
apiVersion: v1
kind: Service
metadata: {name: app}
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ratelimit}
spec: {configPatches: []}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: k8s-gateway}
spec: {gatewayClassName: istio}
)");
  ConfigSet set = loadConfig({dir.path().string()});
  EXPECT_THAT(set.diagnostics.items(), IsEmpty()) << set.diagnostics.format();
  EXPECT_THAT(set.gateways, IsEmpty());
  EXPECT_EQ(set.sourceFiles.size(), 1u);
}

TEST(ConfigLoaderTest, WrongApiVersionForAKnownKind) {
  TempDir dir;
  auto p = dir.write(
      "c.yaml",
      serviceEntry("se", "networking.istio.io/v2") + "---\n" +
          "apiVersion: portico.dev/v1alpha1\nkind: Gateway\nmetadata: {name: g}\nspec: {}\n");
  ConfigSet set = loadConfig({p.string()});
  EXPECT_EQ(set.diagnostics.format(),
            p.string() +
                ":1:1: ServiceEntry: apiVersion: unsupported apiVersion \"networking.istio.io/v2\" "
                "(expected networking.istio.io/v1, networking.istio.io/v1beta1 or "
                "networking.istio.io/v1alpha3)\n" +
                p.string() +
                ":9:1: Gateway: apiVersion: unsupported apiVersion \"portico.dev/v1alpha1\" "
                "(expected networking.istio.io/v1, networking.istio.io/v1beta1 or "
                "networking.istio.io/v1alpha3)\n");
  EXPECT_THAT(set.serviceEntries, IsEmpty());
}

TEST(ConfigLoaderTest, NameRequired) {
  TempDir dir;
  auto p = dir.write("c.yaml",
                     "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  "
                     "namespace: x\nspec: {hosts: [a.com]}\n");
  ConfigSet set = loadConfig({p.string()});
  EXPECT_EQ(set.diagnostics.format(),
            p.string() + ":4:3: ServiceEntry: metadata.name: Required value\n");
}

TEST(ConfigLoaderTest, NullSpecIsRequiredValue) {
  // The seed's RateLimitConfig: `spec:` followed only by a comment.
  TempDir dir;
  auto p = dir.write("rl.yaml", R"(apiVersion: networking.istio.io/v1alpha3
kind: RateLimitConfig
metadata:
  name: product-ratelimit
spec:
  # ... (Rate limit configuration details, e.g., limits per second, per minute)
)");
  ConfigSet set = loadConfig({p.string()});
  EXPECT_EQ(set.diagnostics.format(),
            p.string() + ":1:1: RateLimitConfig default/product-ratelimit: spec: Required value\n");
  EXPECT_THAT(set.rateLimitConfigs, IsEmpty());
}

TEST(ConfigLoaderTest, UnknownTopLevelKeysWarnStatusIgnored) {
  TempDir dir;
  auto p = dir.write("c.yaml", "_err: 'expected failure'\n" + serviceEntry("se") +
                                   "status: {conditions: []}\nextra: 1\n");
  ConfigSet set = loadConfig({p.string()});
  EXPECT_EQ(set.diagnostics.format(),
            p.string() + ":1:1: warning: ServiceEntry default/se: _err: unknown field, ignored\n" +
                p.string() +
                ":10:1: warning: ServiceEntry default/se: extra: unknown field, ignored\n");
  EXPECT_FALSE(set.diagnostics.hasErrors());
  EXPECT_EQ(set.serviceEntries.size(), 1u);
}

TEST(ConfigLoaderTest, DuplicateResourceNamesBothPlaces) {
  TempDir dir;
  auto a = dir.write("a.yaml", serviceEntry("se"));
  auto b = dir.write("b.yaml", "# comment\n" + serviceEntry("se"));
  dir.write(
      "c.yaml",
      serviceEntry("se") +
          "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
          "metadata: {name: se, namespace: other}\nspec: {hosts: [x.com], resolution: DNS}\n");
  ConfigSet set = loadConfig({dir.path().string()});
  auto c = (dir.path() / "c.yaml").string();
  EXPECT_EQ(set.diagnostics.format(),
            b.string() +
                ":2:1: ServiceEntry default/se: metadata.name: duplicate ServiceEntry default/se: "
                "already defined at " +
                a.string() + ":1:1\n" + c +
                ":1:1: ServiceEntry default/se: metadata.name: duplicate ServiceEntry default/se: "
                "already defined at " +
                a.string() + ":1:1\n");
}

TEST(ConfigLoaderTest, StrictTurnsWarningsIntoErrors) {
  TempDir dir;
  auto p = dir.write("c.yaml", serviceEntry("se") + "extra: 1\n");
  ConfigSet lenient = loadConfig({p.string()});
  EXPECT_FALSE(lenient.diagnostics.hasErrors());
  EXPECT_EQ(lenient.diagnostics.warningCount(), 1u);
  ConfigSet strict = loadConfig({p.string()}, LoadOptions{true});
  EXPECT_TRUE(strict.diagnostics.hasErrors());
  EXPECT_EQ(strict.diagnostics.warningCount(), 0u);
  EXPECT_EQ(strict.diagnostics.format(),
            p.string() + ":8:1: ServiceEntry default/se: extra: unknown field, ignored\n");
}

TEST(ConfigLoaderTest, YamlSyntaxErrorAndMissingPathAreDiagnostics) {
  TempDir dir;
  auto p = dir.write("bad.yaml", "kind: [\n");
  ConfigSet set = loadConfig({p.string(), (dir.path() / "missing").string()});
  EXPECT_EQ(set.diagnostics.errorCount(), 2u);
  EXPECT_EQ(set.diagnostics.items()[0].format(),
            (dir.path() / "missing").string() + ": no such file or directory");
  EXPECT_EQ(set.diagnostics.items()[1].file, p.string());
  EXPECT_EQ(set.diagnostics.items()[1].mark.line, 2);
}

TEST(ConfigLoaderTest, ConfigMapDirectoryLoadsEachResourceOnce) {
  TempDir dir;
  dir.write("..2026_11_27_10_00_00.123/gateway.yaml", kGateway);
  dir.write("..2026_11_27_10_00_00.123/se.yaml", serviceEntry("one"));
  fs::create_directory_symlink("..2026_11_27_10_00_00.123", dir.path() / "..data");
  fs::create_symlink("..data/gateway.yaml", dir.path() / "gateway.yaml");
  fs::create_symlink("..data/se.yaml", dir.path() / "se.yaml");
  ConfigSet set = loadConfig({dir.path().string(), (dir.path() / "se.yaml").string()});
  EXPECT_THAT(set.diagnostics.items(), IsEmpty()) << set.diagnostics.format();
  EXPECT_EQ(set.gateways.size(), 1u);
  EXPECT_EQ(set.serviceEntries.size(), 1u);
  EXPECT_THAT(set.sourceFiles, ElementsAre((dir.path() / "gateway.yaml").string(),
                                           (dir.path() / "se.yaml").string()));
}

TEST(ConfigLoaderTest, ListItemsAreResources) {
  TempDir dir;
  auto p = dir.write(
      "list.yaml",
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1\n"
      "  kind: ServiceEntry\n  metadata: {name: a}\n  spec: {hosts: [a.com], resolution: DNS}\n"
      "- apiVersion: networking.istio.io/v1\n  kind: ServiceEntry\n  metadata: {name: b}\n"
      "  spec: {hosts: [b.com], resolution: DNS}\n");
  ConfigSet set = loadConfig({p.string()});
  EXPECT_THAT(set.diagnostics.items(), IsEmpty()) << set.diagnostics.format();
  ASSERT_EQ(set.serviceEntries.size(), 2u);
  EXPECT_EQ(set.serviceEntries[1].meta.name, "b");
  EXPECT_EQ(set.serviceEntries[1].meta.mark.line, 8);
}

// Every field of every kind given the wrong shape: each becomes a diagnostic, none a crash.
TEST(ConfigLoaderTest, WrongShapesAreDiagnosticsNotCrashes) {
  TempDir dir;
  std::string docs;
  const char* kinds[][2] = {{"Gateway", "networking.istio.io/v1"},
                            {"VirtualService", "networking.istio.io/v1"},
                            {"DestinationRule", "networking.istio.io/v1"},
                            {"ServiceEntry", "networking.istio.io/v1"},
                            {"RateLimitConfig", "portico.dev/v1alpha1"}};
  const char* specs[] = {
      "[1, 2]",
      "scalar",
      "{servers: x, hosts: {a: b}, http: 3, host: [1], subsets: {a: 1}, ports: 7, endpoints: x, "
      "targetRefs: {}, limits: 1, trafficPolicy: [1], selector: [1], gateways: {a: 1}}",
      "{servers: [1, [2], {port: [1], hosts: [[1]], tls: [1]}], http: [1, {match: 1, route: 2}], "
      "subsets: [1, {name: [1], labels: [1]}], ports: [1, {number: {a: 1}, name: [1]}], "
      "endpoints: [1, {address: [1], ports: [1]}], targetRefs: [1, {kind: [1]}], "
      "limits: [1, {name: {}, key: [1], match: 1, requestsPerUnit: x}], "
      "trafficPolicy: {loadBalancer: 1, connectionPool: {tcp: 1, http: [1]}, "
      "outlierDetection: {interval: [1]}, portLevelSettings: [1, {port: 1}]}, "
      "backend: {redis: {address: \":\"}}}",
  };
  int n = 0;
  for (const auto& kind : kinds) {
    for (const char* spec : specs) {
      docs += std::string("---\napiVersion: ") + kind[1] + "\nkind: " + kind[0] +
              "\nmetadata: {name: n" + std::to_string(n++) + "}\nspec: " + spec + "\n";
    }
  }
  docs += "---\nkind: [1]\n---\nkind: Gateway\napiVersion: networking.istio.io/v1\nmetadata: x\n";
  docs += "---\nkind: ServiceEntry\napiVersion: networking.istio.io/v1\nmetadata: {name: [1]}\n";
  auto p = dir.write("shapes.yaml", docs);
  ConfigSet set = loadConfig({p.string()});
  EXPECT_TRUE(set.diagnostics.hasErrors());
  for (const auto& d : set.diagnostics.items()) {
    EXPECT_EQ(d.message.find("internal error"), std::string::npos) << d.format();
  }
}

TEST(ConfigLoaderTest, CrossValidationRunsAfterLoading) {
  TempDir dir;
  auto p = dir.write("c.yaml", std::string(kGateway) + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways:
  - gw
  - missing
  http:
  - route:
    - destination: {host: reviews, subset: v9}
---
apiVersion: networking.istio.io/v1alpha3
kind: RateLimitConfig
metadata: {name: rl}
spec:
  targetRefs:
  - {kind: VirtualService, name: x}
  limits: [{name: all, requestsPerUnit: 1, unit: SECOND}]
)");
  ConfigSet set = loadConfig({p.string()});
  EXPECT_EQ(set.diagnostics.format(),
            p.string() +
                ":27:5: RateLimitConfig default/rl: spec.targetRefs[0]: VirtualService "
                "default/x not found\n" +
                p.string() +
                ":17:5: warning: VirtualService default/vs: spec.gateways[1]: Gateway "
                "default/missing not found; the rules bound to it are unused\n" +
                p.string() +
                ":20:20: warning: VirtualService default/vs: "
                "spec.http[0].route[0].destination.subset: subset v9 of host reviews is "
                "not defined by a DestinationRule (none has that host); requests routed "
                "to it get 503\n");
}

}  // namespace
}  // namespace portico::config
