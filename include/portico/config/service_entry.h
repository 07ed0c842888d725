// Typed model of an Istio ServiceEntry: the endpoint registry of a standalone gateway.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "portico/config/common.h"

namespace portico::config {

struct ServicePort {
  uint32_t number = 0;
  Protocol protocol = Protocol::kUnspecified;
  std::string name;
  uint32_t targetPort = 0;  // 0: same as number
  Mark mark;
};

struct WorkloadEntry {
  std::string address;  // IP, FQDN (DNS resolution) or unix:// path
  std::map<std::string, uint32_t> ports;  // service port name -> endpoint port
  std::map<std::string, std::string> labels;
  uint32_t weight = 0;  // 0: unset (1)
  std::string locality;
  Mark mark;
};

struct ServiceEntry {
  enum class Location { kMeshExternal, kMeshInternal };
  enum class Resolution { kNone, kStatic, kDns, kDnsRoundRobin, kDynamicDns };
  ResourceMeta meta;
  std::vector<std::string> hosts;
  std::vector<std::string> addresses;
  std::vector<ServicePort> ports;
  Location location = Location::kMeshExternal;
  Resolution resolution = Resolution::kNone;
  std::vector<WorkloadEntry> endpoints;
  std::vector<std::string> subjectAltNames;
};

}  // namespace portico::config
