// Reads one YAML mapping of a resource with diagnostics: typed getters that report
// `file:line:column: Kind ns/name: field.path: message`, lowerCamelCase keys that also
// accept their snake_case spelling (as protobuf JSON does), and a record of which keys
// were read so that every unknown field is warned about when the reader finishes.
// yaml-cpp exceptions stop here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "portico/config/common.h"

namespace portico::config {

// Where diagnostics of one resource go.
class ResourceContext {
 public:
  ResourceContext(std::string file, std::string resource, Diagnostics& diagnostics)
      : file_(std::move(file)), resource_(std::move(resource)), diagnostics_(diagnostics) {}
  void error(Mark mark, std::string field, std::string message);
  void warning(Mark mark, std::string field, std::string message);
  const std::string& file() const { return file_; }
  const std::string& resource() const { return resource_; }
  std::size_t errorCount() const { return errors_; }

 private:
  std::string file_;
  std::string resource_;
  Diagnostics& diagnostics_;
  std::size_t errors_ = 0;
};

Mark markOf(const YAML::Node& node);

class NodeReader {
 public:
  NodeReader(YAML::Node node, std::string path, ResourceContext& context);

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  Mark mark() const { return markOf(node_); }
  ResourceContext& context() const { return *context_; }
  bool isMap() const { return node_.IsMap(); }
  bool isNull() const { return !node_ || node_.IsNull(); }

  // Marks `key` as read and returns whether it is present (and not null).
  bool has(std::string_view key);
  // The value under `key`, as a reader with path "<path>.<key>".
  std::optional<NodeReader> child(std::string_view key);
  // A mapping under `key`; reports an error when present but not a mapping.
  std::optional<NodeReader> object(std::string_view key);

  std::optional<std::string> string(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
  std::optional<double> number(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  // Istio durations ("5s", "0.5s", "1m30s", "300ms"): must be >= 1ms and whole milliseconds.
  std::optional<Duration> duration(std::string_view key);
  // Sequence under `key`: one reader per item, with path "<path>.<key>[i]".
  std::vector<NodeReader> list(std::string_view key);
  std::vector<std::string> stringList(std::string_view key);
  // Mapping under `key`: (name, reader) pairs in YAML order, path "<path>.<key>.<name>".
  std::vector<std::pair<std::string, NodeReader>> entries(std::string_view key);
  std::map<std::string, std::string> stringMap(std::string_view key);

  // This node's own scalar value (for list items and map values).
  std::optional<std::string> asString();

  // A known field we do not act on: warns "<field>: <why>" when present.
  void ignore(std::string_view key, std::string_view why);
  // Warns about every key that no getter asked for. Call once, after reading.
  void finish();

  // Diagnostics about this node, or about one of its keys (positioned at that key).
  void error(std::string message) const;
  void warning(std::string message) const;
  void errorAt(std::string_view key, std::string message) const;
  void warningAt(std::string_view key, std::string message) const;
  std::string fieldPath(std::string_view key) const;
  Mark markAt(std::string_view key) const;

 private:
  struct Entry {
    std::string key;
    YAML::Node keyNode;
    YAML::Node value;
    bool read = false;
  };
  // The mapping's entries, listed once: yaml-cpp looks keys up by a linear scan that
  // converts every key, and a parser asks each node for every field it knows.
  std::vector<Entry>& entries() const;
  // The entry for `key` itself, else for its snake_case form.
  Entry* lookup(std::string_view key) const;
  // The key as present in the mapping: `key` itself or its snake_case form.
  std::optional<std::string> find(std::string_view key) const;

  YAML::Node node_;
  std::string path_;
  ResourceContext* context_;
  mutable std::vector<Entry> entries_;
  mutable bool indexed_ = false;
};

// "sniHosts" -> "sni_hosts"
std::string toSnakeCase(std::string_view camel);
// Parses a Go/protobuf duration string; nullopt if malformed. Sub-ms precision is kept in
// `nanos` so the caller can reject it.
std::optional<std::chrono::nanoseconds> parseDurationString(std::string_view text);

}  // namespace portico::config
