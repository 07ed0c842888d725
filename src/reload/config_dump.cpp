#include "portico/reload/config_dump.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <ctime>

namespace portico::reload {
namespace json = boost::json;

namespace {

std::string isoTime(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03lldZ", static_cast<long long>(ms % 1000));
  return buf;
}

// Plain (unquoted) scalars get YAML 1.2 core-schema types; quoted ones stay strings.
json::value scalarValue(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return json::value(s);
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  int64_t i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && p == s.data() + s.size()) return i;
  double d = 0;
  auto [pd, ecd] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ecd == std::errc() && pd == s.data() + s.size()) return d;
  return json::value(s);
}

json::value toJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return scalarValue(node);
    case YAML::NodeType::Sequence: {
      json::array out;
      for (const auto& item : node) out.push_back(toJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json::object out;
      for (const auto& kv : node) out[kv.first.as<std::string>()] = toJson(kv.second);
      return out;
    }
    default:
      return nullptr;
  }
}

void addResources(json::array& out, const config::ConfigSet& set) {
  auto add = [&](const auto& list) {
    for (const auto& r : list) {
      json::object o;
      o["kind"] = r.meta.kind;
      o["namespace"] = r.meta.ns;
      o["name"] = r.meta.name;
      o["file"] = r.meta.file;
      o["line"] = r.meta.mark.line;
      o["resource"] = r.meta.source ? toJson(r.meta.source) : json::value(nullptr);
      out.push_back(std::move(o));
    }
  };
  add(set.gateways);
  add(set.virtualServices);
  add(set.destinationRules);
  add(set.serviceEntries);
  add(set.rateLimitConfigs);
}

}  // namespace

std::string configDumpJson(const route::Snapshot& snapshot, const ReloadStatus& status) {
  json::object root;
  root["version"] = snapshot.version;
  root["loaded_at"] = isoTime(snapshot.loadedAt);
  json::array files;
  for (const auto& f : snapshot.sourceFiles) files.push_back(json::value(f));
  root["source_files"] = std::move(files);

  json::array listeners;
  for (const auto& [port, listener] : snapshot.listeners) {
    json::object l;
    l["port"] = port;
    l["bind"] = listener.bind;
    json::array servers;
    for (const auto& server : listener.servers) {
      json::object s;
      s["gateway"] = server.gateway;
      s["port_name"] = server.portName;
      json::array hosts;
      for (const auto& h : server.hosts) hosts.push_back(json::value(h));
      s["hosts"] = std::move(hosts);
      s["tls"] = server.tls.has_value();
      servers.push_back(std::move(s));
    }
    l["servers"] = std::move(servers);
    listeners.push_back(std::move(l));
  }
  root["listeners"] = std::move(listeners);

  json::array clusters;
  for (const auto& [name, cluster] : snapshot.clusters) clusters.push_back(json::value(name));
  root["clusters"] = std::move(clusters);

  json::array resources;
  if (snapshot.config) addResources(resources, *snapshot.config);
  root["resources"] = std::move(resources);

  json::object reload;
  reload["attempts"] = status.attempts;
  reload["failures"] = status.failures;
  reload["last_load_ms"] = status.lastLoadTime.count() / 1000.0;
  reload["last_compile_ms"] = status.lastCompileTime.count() / 1000.0;
  if (!status.lastError.empty()) {
    reload["last_error"] = status.lastError;
    reload["last_failure_at"] = isoTime(status.lastFailure);
  }
  root["reload"] = std::move(reload);
  return json::serialize(root) + "\n";
}

}  // namespace portico::reload
