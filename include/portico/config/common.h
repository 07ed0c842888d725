// Value types shared by the Istio resource models.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "portico/config/diagnostic.h"

namespace portico::config {

using Duration = std::chrono::milliseconds;

// Istio's protocol names (case-insensitive in YAML).
enum class Protocol { kUnspecified, kHttp, kHttps, kGrpc, kGrpcWeb, kHttp2, kMongo, kTcp, kTls,
                      kRedis, kMysql, kUdp, kHttpProxy };
// Parses a protocol name case-insensitively; nullopt when unknown.
std::optional<Protocol> parseProtocol(std::string_view name);
// gRPC status code of a name from grpc/doc/statuscodes.md ("UNAVAILABLE" -> 14).
std::optional<uint32_t> grpcStatusCode(std::string_view name);
const char* protocolName(Protocol p);
// HTTP, HTTP2, GRPC, GRPC-WEB: served by http routes.
bool isHttpProtocol(Protocol p);

// Istio StringMatch (oneof exact|prefix|regex). `{}` or `regex: "*"` means presence.
struct StringMatch {
  enum class Kind { kExact, kPrefix, kRegex, kPresence };
  Kind kind = Kind::kPresence;
  std::string value;
  Mark mark;
};

// Identity and provenance of one loaded resource.
struct ResourceMeta {
  std::string kind;        // "VirtualService"
  std::string apiVersion;  // "networking.istio.io/v1alpha3"
  std::string name;
  std::string ns = "default";
  std::map<std::string, std::string> labels;
  std::string file;        // as given on the command line / found in a directory
  Mark mark;               // the document's start
  int order = 0;           // load order across all files: Istio's creation order stand-in
  YAML::Node source;       // the document as loaded (for /config_dump)

  // "VirtualService default/product"
  std::string displayName() const { return kind + " " + ns + "/" + name; }
};

struct HeaderOperations {
  std::vector<std::pair<std::string, std::string>> set;  // names lower-cased, in YAML order
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

struct Headers {
  HeaderOperations request;
  HeaderOperations response;
};

// Destination.port: Istio's PortSelector.
struct Destination {
  std::string host;  // as written
  std::string subset;
  uint32_t port = 0;  // 0: unset
  Mark mark;
};

}  // namespace portico::config
