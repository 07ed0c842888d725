// ServiceEntry spec: Istio's validateServiceEntry plus the CRD schema (CEL) rules that only the
// Kubernetes API server enforces (samples in crdvalidation-serviceentry-invalid.yaml).
#include <set>

#include "istio_rules.h"
#include "portico/config/hostname_rules.h"
#include "portico/config/resource_parsers.h"

namespace portico::config {
namespace {

using istio_rules::goQuote;

const char* resolutionName(ServiceEntry::Resolution r) {
  switch (r) {
    case ServiceEntry::Resolution::kNone:
      return "NONE";
    case ServiceEntry::Resolution::kStatic:
      return "STATIC";
    case ServiceEntry::Resolution::kDns:
      return "DNS";
    case ServiceEntry::Resolution::kDnsRoundRobin:
      return "DNS_ROUND_ROBIN";
    case ServiceEntry::Resolution::kDynamicDns:
      return "DYNAMIC_DNS";
  }
  return "";
}

std::optional<uint32_t> portNumber(NodeReader& node, std::string_view key) {
  auto v = node.integer(key, INT64_MIN, INT64_MAX);
  if (!v) return std::nullopt;
  if (*v < 1 || *v > 65535) {
    node.errorAt(key, "port number " + std::to_string(*v) + " must be in the range 1..65535");
    return std::nullopt;
  }
  return static_cast<uint32_t>(*v);
}

void parsePorts(NodeReader& spec, ServiceEntry& out) {
  std::set<uint32_t> numbers;
  std::set<std::string> names;
  for (auto& item : spec.list("ports")) {
    if (!item.isMap()) {
      item.error("expected an object");
      continue;
    }
    ServicePort port;
    port.mark = item.mark();
    if (auto n = portNumber(item, "number")) {
      port.number = *n;
      if (!numbers.insert(port.number).second) {
        item.errorAt("number", "service entry port " + std::to_string(port.number) +
                                   " already defined (port number cannot be duplicated)");
      }
    } else if (!item.has("number")) {
      item.context().error(item.mark(), item.fieldPath("number"), "Required value");
    }
    if (item.has("targetPort")) {
      if (auto t = portNumber(item, "targetPort")) port.targetPort = *t;
    }
    auto name = item.string("name");
    port.name = name.value_or("");
    if (!item.has("name")) {
      item.context().error(item.mark(), item.fieldPath("name"), "Required value");
    } else if (!name) {
      // reported by the getter
    } else if (!isDns1123Label(port.name)) {
      item.errorAt("name", "invalid port name: " + port.name);
    } else if (!names.insert(port.name).second) {
      item.errorAt("name", "Duplicate value: service entry port name " + goQuote(port.name) +
                               " already defined");
    }
    if (auto text = item.string("protocol"); text && !text->empty()) {
      if (auto p = parseProtocol(*text))
        port.protocol = *p;
      else
        item.errorAt("protocol", "unsupported protocol: " + *text);
    }
    item.finish();
    out.ports.push_back(std::move(port));
  }
}

void parseEndpoints(NodeReader& spec, ServiceEntry& out) {
  for (auto& item : spec.list("endpoints")) {
    if (!item.isMap()) {
      item.error("expected an object");
      continue;
    }
    WorkloadEntry ep;
    ep.mark = item.mark();
    ep.address = item.string("address").value_or("");
    for (auto& [name, value] : item.entries("ports")) {
      auto number = value.asString();
      int64_t n = -1;
      try {
        std::size_t used = 0;
        if (number) n = std::stoll(*number, &used);
        if (!number || used != number->size()) n = -1;
      } catch (const std::exception&) {
        n = -1;
      }
      if (n < 1 || n > 65535) {
        value.error("port number " + number.value_or("") + " must be in the range 1..65535");
      } else {
        ep.ports[name] = static_cast<uint32_t>(n);
      }
      bool defined = false;
      for (const auto& p : out.ports) defined = defined || p.name == name;
      if (!defined) value.error("endpoint port " + name + " is not defined by the service entry");
    }
    ep.labels = item.stringMap("labels");
    if (auto w = item.integer("weight", 0, UINT32_MAX)) ep.weight = static_cast<uint32_t>(*w);
    ep.locality = item.string("locality").value_or("");
    item.ignore("network", "mesh-only (multi-network), ignored");
    item.ignore("serviceAccount", "mesh-only (workload identity), ignored");
    item.finish();

    if (ep.address.empty() && !item.has("address")) {
      item.context().error(item.mark(), item.fieldPath("address"), "Required value");
    } else if (isUnixAddress(ep.address)) {
      if (!ep.ports.empty())
        item.errorAt("ports", "unix endpoint " + ep.address + " must not include ports");
    } else {
      switch (out.resolution) {
        case ServiceEntry::Resolution::kStatic:
          if (!isIpAddress(ep.address)) {
            item.errorAt("address",
                         "endpoint address " + goQuote(ep.address) + " is not a valid IP address");
          }
          break;
        case ServiceEntry::Resolution::kDns:
        case ServiceEntry::Resolution::kDnsRoundRobin:
          if (!isIpAddress(ep.address)) {
            if (auto problem = checkFqdn(ep.address)) item.errorAt("address", *problem);
          }
          break;
        default:
          break;
      }
    }
    out.endpoints.push_back(std::move(ep));
  }
}

}  // namespace

void parseServiceEntrySpec(NodeReader& spec, ServiceEntry& out) {
  auto hostNodes = spec.list("hosts");
  if (hostNodes.empty()) {
    spec.context().error(spec.has("hosts") ? spec.markAt("hosts") : spec.mark(),
                         spec.fieldPath("hosts"),
                         "Required value: service entry must have at least one host");
  }
  for (auto& node : hostNodes) {
    auto host = node.asString();
    if (!host) {
      node.error("expected a string");
      continue;
    }
    out.hosts.push_back(*host);
    if (*host == "*") {
      node.error("invalid host *: hostname cannot be wildcard");
      continue;
    }
    if (host->starts_with("*") && !host->starts_with("*.")) {
      node.warning("partial wildcard " + goQuote(*host) + " not allowed");
    }
    if (auto problem = checkWildcardDomain(*host)) node.error(*problem);
  }

  if (auto r = spec.string("resolution")) {
    using R = ServiceEntry::Resolution;
    if (*r == "NONE")
      out.resolution = R::kNone;
    else if (*r == "STATIC")
      out.resolution = R::kStatic;
    else if (*r == "DNS")
      out.resolution = R::kDns;
    else if (*r == "DNS_ROUND_ROBIN")
      out.resolution = R::kDnsRoundRobin;
    else if (*r == "DYNAMIC_DNS")
      out.resolution = R::kDynamicDns;
    else {
      spec.errorAt("resolution", "unsupported resolution " + goQuote(*r) +
                                     " (NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS)");
    }
  }
  if (auto l = spec.string("location")) {
    if (*l == "MESH_EXTERNAL")
      out.location = ServiceEntry::Location::kMeshExternal;
    else if (*l == "MESH_INTERNAL")
      out.location = ServiceEntry::Location::kMeshInternal;
    else
      spec.errorAt("location",
                   "unsupported location " + goQuote(*l) + " (MESH_EXTERNAL, MESH_INTERNAL)");
  }

  auto addressNodes = spec.list("addresses");
  for (auto& node : addressNodes) {
    auto address = node.asString();
    if (!address) {
      node.error("expected a string");
      continue;
    }
    out.addresses.push_back(*address);
    if (isCidr(*address)) {
      if (out.resolution != ServiceEntry::Resolution::kNone &&
          out.resolution != ServiceEntry::Resolution::kStatic) {
        node.error("CIDR addresses are allowed only for NONE/STATIC resolution types");
      }
    } else if (!isIpAddress(*address)) {
      node.error("invalid address " + goQuote(*address) + ": must be an IP address or CIDR block");
    }
  }

  parsePorts(spec, out);
  parseEndpoints(spec, out);
  out.subjectAltNames = spec.stringList("subjectAltNames");

  const bool hasSelector = spec.has("workloadSelector");
  if (hasSelector) {
    spec.warningAt("workloadSelector", "mesh-only (selects pods and WorkloadEntries), ignored");
    if (auto selector = spec.object("workloadSelector")) {
      for (auto& [key, value] : selector->entries("labels")) {
        auto v = value.asString();
        if (key.find('*') != std::string::npos || (v && v->find('*') != std::string::npos)) {
          value.error("wildcard is not supported in selector");
        }
      }
      selector->finish();
    }
  }
  // `workloadSelector: {}` counts as set, as it does for the CRD schema.
  if (hasSelector && !out.endpoints.empty()) {
    spec.errorAt("endpoints", "only one of WorkloadSelector or Endpoints can be set");
  }
  spec.ignore("exportTo", "mesh-only (namespace visibility), ignored");
  spec.finish();

  using R = ServiceEntry::Resolution;
  const char* mode = resolutionName(out.resolution);
  switch (out.resolution) {
    case R::kNone:
      if (!out.endpoints.empty()) {
        spec.errorAt("endpoints", "no endpoints should be provided for resolution type none");
      } else {
        spec.warningAt(spec.has("resolution") ? "resolution" : "hosts",
                       "resolution NONE forwards to the original destination IP, which an ingress "
                       "gateway does not have; requests routed here fail");
      }
      break;
    case R::kDnsRoundRobin:
      if (out.endpoints.size() > 1) {
        spec.errorAt("endpoints", std::string("there must only be 0 or 1 endpoint for resolution "
                                              "mode ") +
                                      mode);
      }
      break;
    case R::kDynamicDns:
      if (!out.endpoints.empty() || !out.addresses.empty()) {
        spec.error("addresses and endpoints are not allowed for resolution mode DYNAMIC_DNS");
      }
      break;
    default:
      break;
  }
  if (out.resolution != R::kNone && out.hosts.size() > 1) {
    for (const auto& p : out.ports) {
      if (!isHttpProtocol(p.protocol) && p.protocol != Protocol::kHttps &&
          p.protocol != Protocol::kTls) {
        spec.errorAt("hosts", "multiple hosts provided with non-HTTP, non-TLS ports");
        break;
      }
    }
  }
}

}  // namespace portico::config
