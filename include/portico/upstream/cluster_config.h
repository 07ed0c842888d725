// Immutable description of one upstream cluster, compiled from ServiceEntry/DestinationRule.
// One cluster per (FQDN, port, subset), named as Istio names them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portico/config/destination_rule.h"

namespace portico::upstream {

struct EndpointConfig {
  std::string address;  // IP literal, or a DNS name for DNS discovery
  uint16_t port = 0;
  uint32_t weight = 1;
  std::map<std::string, std::string> labels;
  bool operator==(const EndpointConfig&) const = default;
};

struct ClusterConfig {
  enum class Discovery { kStatic, kStrictDns, kLogicalDns };
  enum class LbPolicy { kLeastRequest, kRoundRobin, kRandom };
  enum class Protocol { kHttp1, kHttp2 };

  std::string name;  // "outbound|8080|v1|reviews.default.svc.cluster.local"
  std::string host;  // FQDN
  uint16_t port = 0;
  std::string subset;
  Discovery discovery = Discovery::kStrictDns;
  std::vector<EndpointConfig> endpoints;
  LbPolicy lbPolicy = LbPolicy::kLeastRequest;
  Protocol protocol = Protocol::kHttp1;
  std::chrono::milliseconds connectTimeout{10000};
  std::chrono::milliseconds idleTimeout{3600 * 1000};
  // Circuit-breaker limits; 0 means unlimited (Istio's 2^32-1).
  uint32_t maxConnections = 0;
  uint32_t maxPendingRequests = 0;
  uint32_t maxRequests = 0;
  uint32_t maxRequestsPerConnection = 0;
  uint32_t maxRetries = 0;
  std::optional<config::OutlierDetection> outlierDetection;
  std::optional<config::ClientTlsSettings> tls;
  std::optional<config::LoadBalancerSettings::ConsistentHash> consistentHash;
};

}  // namespace portico::upstream
