// Typed model of an Istio DestinationRule.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portico/config/common.h"

namespace portico::config {

struct LoadBalancerSettings {
  enum class Simple { kUnspecified, kLeastRequest, kRandom, kRoundRobin, kPassthrough };
  struct ConsistentHash {
    std::string httpHeaderName;
    std::string httpCookieName;
    std::string httpCookiePath;
    std::optional<Duration> httpCookieTtl;
    bool useSourceIp = false;
    std::string httpQueryParameterName;
    uint64_t minimumRingSize = 1024;
    std::optional<uint64_t> maglevTableSize;
  };
  Simple simple = Simple::kUnspecified;
  std::optional<ConsistentHash> consistentHash;
  Mark mark;
};

struct ConnectionPoolSettings {
  enum class H2UpgradePolicy { kDefault, kDoNotUpgrade, kUpgrade };
  // 0 means unset (Istio keeps Envoy's 2^32-1 default for these).
  uint32_t maxConnections = 0;
  std::optional<Duration> connectTimeout;  // default 10s
  std::optional<Duration> tcpIdleTimeout;
  std::optional<Duration> maxConnectionDuration;
  uint32_t http1MaxPendingRequests = 0;
  uint32_t http2MaxRequests = 0;
  uint32_t maxRequestsPerConnection = 0;
  uint32_t maxRetries = 0;
  uint32_t maxConcurrentStreams = 0;
  std::optional<Duration> httpIdleTimeout;  // default 1h
  H2UpgradePolicy h2UpgradePolicy = H2UpgradePolicy::kDefault;
  bool useClientProtocol = false;
  Mark mark;
};

struct OutlierDetection {
  uint32_t consecutive5xxErrors = 5;
  std::optional<uint32_t> consecutiveGatewayErrors;
  std::optional<uint32_t> consecutiveLocalOriginFailures;
  bool splitExternalLocalOriginErrors = false;
  Duration interval{10000};
  Duration baseEjectionTime{30000};
  int32_t maxEjectionPercent = 10;
  int32_t minHealthPercent = 0;
  Mark mark;
};

struct ClientTlsSettings {
  enum class Mode { kDisable, kSimple, kMutual, kIstioMutual };
  Mode mode = Mode::kDisable;
  std::string clientCertificate;
  std::string privateKey;
  std::string caCertificates;
  std::string caCrl;
  std::string credentialName;
  std::vector<std::string> subjectAltNames;
  std::string sni;
  bool insecureSkipVerify = false;
  Mark mark;
};

struct PortTrafficPolicy {
  uint32_t port = 0;
  std::optional<LoadBalancerSettings> loadBalancer;
  std::optional<ConnectionPoolSettings> connectionPool;
  std::optional<OutlierDetection> outlierDetection;
  std::optional<ClientTlsSettings> tls;
  Mark mark;
};

struct TrafficPolicy {
  std::optional<LoadBalancerSettings> loadBalancer;
  std::optional<ConnectionPoolSettings> connectionPool;
  std::optional<OutlierDetection> outlierDetection;
  std::optional<ClientTlsSettings> tls;
  std::vector<PortTrafficPolicy> portLevelSettings;
  Mark mark;
};

struct Subset {
  std::string name;
  std::map<std::string, std::string> labels;
  std::optional<TrafficPolicy> trafficPolicy;
  Mark mark;
};

struct DestinationRule {
  ResourceMeta meta;
  std::string host;  // as written
  std::optional<TrafficPolicy> trafficPolicy;
  std::vector<Subset> subsets;
};

}  // namespace portico::config
