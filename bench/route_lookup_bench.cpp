// Route lookup and snapshot compile cost as the number of routes grows. Lookup covers what
// the data plane does per request: pick the virtual host by authority, then the route.
#include <benchmark/benchmark.h>

#include <memory>
#include <optional>
#include <string>

#include "portico/route/snapshot_compiler.h"

namespace portico::route {
namespace {

enum class UriKind { kPrefix, kRegex, kHeaderOnly };

config::StringMatch stringMatch(config::StringMatch::Kind kind, std::string value) {
  return {kind, std::move(value), {}};
}

// One Gateway on :80, one VirtualService for api.example.com with `routes` rules, rule i
// matching /svc<i>/ and sending to svc<i>; plus `extraHosts` VirtualServices for other hosts.
std::shared_ptr<const config::ConfigSet> makeConfig(int routes, UriKind kind, int extraHosts = 0) {
  auto set = std::make_shared<config::ConfigSet>();
  config::Gateway gw;
  gw.meta.kind = "Gateway";
  gw.meta.name = "gw";
  gw.selector = {{"istio", "ingressgateway"}};
  config::Server server;
  server.portNumber = 80;
  server.portName = "http";
  server.protocol = config::Protocol::kHttp;
  server.hosts = {"*"};
  gw.servers.push_back(server);
  set->gateways.push_back(gw);

  auto makeVs = [&](std::string name, std::string host, int count, int order) {
    config::VirtualService vs;
    vs.meta.kind = "VirtualService";
    vs.meta.name = std::move(name);
    vs.meta.order = order;
    vs.hosts = {std::move(host)};
    vs.gateways = {"default/gw"};
    for (int i = 0; i < count; ++i) {
      config::HttpRoute http;
      http.path = "spec.http[" + std::to_string(i) + "]";
      config::HttpMatchRequest m;
      std::string svc = "/svc" + std::to_string(i) + "/";
      switch (kind) {
        case UriKind::kPrefix:
          m.uri = stringMatch(config::StringMatch::Kind::kPrefix, svc);
          break;
        case UriKind::kRegex:
          m.uri = stringMatch(config::StringMatch::Kind::kRegex, svc + ".*");
          break;
        case UriKind::kHeaderOnly:
          m.headers = {
              {"x-svc", stringMatch(config::StringMatch::Kind::kExact, std::to_string(i))}};
          break;
      }
      http.match.push_back(m);
      config::HttpRouteDestination d;
      d.destination.host = "svc" + std::to_string(i);
      d.destination.port = 8080;
      http.route.push_back(d);
      vs.http.push_back(std::move(http));
    }
    set->virtualServices.push_back(std::move(vs));
  };
  makeVs("api", "api.example.com", routes, 0);
  for (int h = 0; h < extraHosts; ++h) {
    makeVs("host" + std::to_string(h), "host" + std::to_string(h) + ".example.com", 10, h + 1);
  }
  return set;
}

SnapshotPtr compileOrDie(std::shared_ptr<const config::ConfigSet> set) {
  config::Diagnostics diagnostics;
  auto snapshot = compileSnapshot(std::move(set), CompileOptions{}, diagnostics);
  if (!snapshot) std::abort();
  return snapshot;
}

class OneHeader : public HeaderSource {
 public:
  OneHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  std::optional<std::string_view> find(std::string_view lowerName) const override {
    if (lowerName == name_) return std::string_view(value_);
    return std::nullopt;
  }

 private:
  std::string name_;
  std::string value_;
};

void runLookup(benchmark::State& state, const Snapshot& snapshot, const std::string& path,
               const HeaderSource* headers = nullptr) {
  const Listener* listener = snapshot.listener(80);
  MatchInput input;
  input.headers = headers;
  input.method = "GET";
  input.scheme = "http";
  input.authority = "api.example.com:80";
  input.path = path;
  input.listenerPort = 80;
  for (auto _ : state) {
    const VirtualHost* vh = listener->virtualHosts.find(input.authority);
    auto match = vh->match(input);
    benchmark::DoNotOptimize(match);
  }
}

// Host + prefix: the request hits the last route.
void BM_LookupPrefixLastRoute(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  auto snapshot = compileOrDie(makeConfig(n, UriKind::kPrefix));
  runLookup(state, *snapshot, "/svc" + std::to_string(n - 1) + "/items/42");
}
BENCHMARK(BM_LookupPrefixLastRoute)->Arg(10)->Arg(1000)->Arg(10000);

// A path no route matches (404): the worst case for a linear scan.
void BM_LookupPrefixMiss(benchmark::State& state) {
  auto snapshot = compileOrDie(makeConfig(static_cast<int>(state.range(0)), UriKind::kPrefix));
  runLookup(state, *snapshot, "/nothing/here");
}
BENCHMARK(BM_LookupPrefixMiss)->Arg(10)->Arg(1000)->Arg(10000);

// Many virtual hosts on the listener: host selection is a hash probe.
void BM_LookupManyHosts(benchmark::State& state) {
  auto snapshot = compileOrDie(makeConfig(10, UriKind::kPrefix, static_cast<int>(state.range(0))));
  runLookup(state, *snapshot, "/svc9/x");
}
BENCHMARK(BM_LookupManyHosts)->Arg(10)->Arg(1000)->Arg(10000);

// Regex routes: one RE2::Set pass per lookup instead of one regex run per route.
void BM_LookupRegexLastRoute(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  auto snapshot = compileOrDie(makeConfig(n, UriKind::kRegex));
  runLookup(state, *snapshot, "/svc" + std::to_string(n - 1) + "/items/42");
}
BENCHMARK(BM_LookupRegexLastRoute)->Arg(10)->Arg(1000)->Arg(10000);

// Compile only: the previous snapshot is released outside the timed region, as the old
// snapshot dies with its last stream, not inside the compile.
// Routes with no uri condition (header only) cannot be indexed: evaluated in order (contrast).
void BM_LookupHeaderOnlyLastRoute(benchmark::State& state) {
  int n = static_cast<int>(state.range(0));
  auto snapshot = compileOrDie(makeConfig(n, UriKind::kHeaderOnly));
  OneHeader header("x-svc", std::to_string(n - 1));
  runLookup(state, *snapshot, "/items/42", &header);
}
BENCHMARK(BM_LookupHeaderOnlyLastRoute)->Arg(10)->Arg(1000)->Arg(10000);

void BM_Compile(benchmark::State& state) {
  auto set = makeConfig(static_cast<int>(state.range(0)), UriKind::kPrefix);
  for (auto _ : state) {
    auto snapshot = compileOrDie(set);
    benchmark::DoNotOptimize(snapshot);
    state.PauseTiming();
    snapshot.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Compile)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_CompileRegex(benchmark::State& state) {
  auto set = makeConfig(static_cast<int>(state.range(0)), UriKind::kRegex);
  for (auto _ : state) {
    auto snapshot = compileOrDie(set);
    benchmark::DoNotOptimize(snapshot);
    state.PauseTiming();
    snapshot.reset();
    state.ResumeTiming();
  }
}

// Compile plus the release of the snapshot it built.
void BM_CompileAndRelease(benchmark::State& state) {
  auto set = makeConfig(static_cast<int>(state.range(0)), UriKind::kPrefix);
  for (auto _ : state) benchmark::DoNotOptimize(compileOrDie(set));
}
BENCHMARK(BM_CompileAndRelease)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompileRegex)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace portico::route
