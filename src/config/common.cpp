#include "portico/config/common.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace portico::config {

std::optional<uint32_t> grpcStatusCode(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",        "CANCELLED",      "UNKNOWN",       "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
      "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  auto it = std::find(kNames.begin(), kNames.end(), name);
  if (it == kNames.end()) return std::nullopt;
  return static_cast<uint32_t>(it - kNames.begin());
}

std::optional<Protocol> parseProtocol(std::string_view name) {
  std::string up(name);
  std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return std::toupper(c); });
  static const std::pair<const char*, Protocol> kNames[] = {
      {"HTTP", Protocol::kHttp},   {"HTTPS", Protocol::kHttps},     {"GRPC", Protocol::kGrpc},
      {"GRPC-WEB", Protocol::kGrpcWeb}, {"HTTP2", Protocol::kHttp2}, {"MONGO", Protocol::kMongo},
      {"TCP", Protocol::kTcp},     {"TLS", Protocol::kTls},         {"REDIS", Protocol::kRedis},
      {"MYSQL", Protocol::kMysql}, {"UDP", Protocol::kUdp},         {"HTTP_PROXY", Protocol::kHttpProxy},
  };
  for (const auto& [n, p] : kNames) {
    if (up == n) return p;
  }
  return std::nullopt;
}

const char* protocolName(Protocol p) {
  switch (p) {
    case Protocol::kUnspecified: return "";
    case Protocol::kHttp: return "HTTP";
    case Protocol::kHttps: return "HTTPS";
    case Protocol::kGrpc: return "GRPC";
    case Protocol::kGrpcWeb: return "GRPC-WEB";
    case Protocol::kHttp2: return "HTTP2";
    case Protocol::kMongo: return "MONGO";
    case Protocol::kTcp: return "TCP";
    case Protocol::kTls: return "TLS";
    case Protocol::kRedis: return "REDIS";
    case Protocol::kMysql: return "MYSQL";
    case Protocol::kUdp: return "UDP";
    case Protocol::kHttpProxy: return "HTTP_PROXY";
  }
  return "";
}

bool isHttpProtocol(Protocol p) {
  return p == Protocol::kHttp || p == Protocol::kHttp2 || p == Protocol::kGrpc ||
         p == Protocol::kGrpcWeb;
}

}  // namespace portico::config
