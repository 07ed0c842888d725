#include "portico/config/cross_validator.h"

#include <set>

#include "portico/config/node_reader.h"

namespace portico::config {
namespace {

// Kubernetes short names ("reviews") resolve in the resource's namespace.
std::string qualifyHost(const std::string& host, const std::string& ns) {
  if (host.find('.') != std::string::npos || host.find('*') != std::string::npos) return host;
  return host + "." + ns + ".svc.cluster.local";
}

bool hostMatches(const std::string& ruleHost, const std::string& host) {
  if (ruleHost == host) return true;
  if (ruleHost == "*") return true;
  if (ruleHost.starts_with("*.")) {
    std::string_view suffix = std::string_view(ruleHost).substr(1);  // ".example.com"
    return host.size() > suffix.size() && std::string_view(host).ends_with(suffix);
  }
  return false;
}

std::string gatewayKey(const std::string& ref, const std::string& ns) {
  if (ref.find('/') != std::string::npos) return ref;
  return ns + "/" + ref;
}

// spec.gateways of a loaded document, or an undefined node. Built by copy, never by
// YAML::Node assignment (which writes into the target and throws for a missing key).
YAML::Node gatewaysNode(const YAML::Node& document) {
  if (!document || !document.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node spec = document["spec"];
  if (!spec || !spec.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return spec["gateways"];
}

class CrossValidator {
 public:
  explicit CrossValidator(ConfigSet& set) : set_(set) {
    for (const auto& g : set.gateways) gateways_.insert(g.meta.ns + "/" + g.meta.name);
    for (const auto& vs : set.virtualServices) {
      virtualServices_.insert(vs.meta.ns + "/" + vs.meta.name);
    }
  }

  void run() {
    for (const auto& rlc : set_.rateLimitConfigs) checkTargets(rlc);
    for (const auto& vs : set_.virtualServices) checkVirtualService(vs);
  }

 private:
  void checkTargets(const RateLimitConfig& rlc) {
    ResourceContext context(rlc.meta.file, rlc.meta.displayName(), set_.diagnostics);
    for (std::size_t i = 0; i < rlc.targetRefs.size(); ++i) {
      const auto& ref = rlc.targetRefs[i];
      const std::set<std::string>* known = nullptr;
      if (ref.kind == "VirtualService")
        known = &virtualServices_;
      else if (ref.kind == "Gateway")
        known = &gateways_;
      else
        continue;  // already reported by the parser
      if (!known->contains(ref.ns + "/" + ref.name)) {
        context.error(ref.mark, "spec.targetRefs[" + std::to_string(i) + "]",
                      ref.kind + " " + ref.ns + "/" + ref.name + " not found");
      }
    }
  }

  void checkGatewayRef(ResourceContext& context, const std::string& ref, const std::string& ns,
                       Mark mark, const std::string& field) {
    if (ref == "mesh") return;
    std::string key = gatewayKey(ref, ns);
    if (!gateways_.contains(key)) {
      context.warning(mark, field,
                      "Gateway " + key + " not found; the rules bound to it are unused");
    }
  }

  void checkDestination(ResourceContext& context, const VirtualService& vs, const Destination& d,
                        const std::string& field) {
    if (d.subset.empty()) return;
    const std::string host = qualifyHost(d.host, vs.meta.ns);
    bool anyRule = false;
    for (const auto& dr : set_.destinationRules) {
      if (!hostMatches(qualifyHost(dr.host, dr.meta.ns), host)) continue;
      anyRule = true;
      for (const auto& s : dr.subsets) {
        if (s.name == d.subset) return;
      }
    }
    context.warning(d.mark, field,
                    "subset " + d.subset + " of host " + d.host + " is not defined by " +
                        (anyRule ? "any DestinationRule for that host"
                                 : "a DestinationRule (none has that host)") +
                        "; requests routed to it get 503");
  }

  void checkVirtualService(const VirtualService& vs) {
    ResourceContext context(vs.meta.file, vs.meta.displayName(), set_.diagnostics);
    // The model keeps no marks for gateway names; the loaded document has them.
    const YAML::Node gatewayNodes = gatewaysNode(vs.meta.source);
    for (std::size_t i = 0; i < vs.gateways.size(); ++i) {
      Mark mark = vs.meta.mark;
      if (gatewayNodes && gatewayNodes.IsSequence() && i < gatewayNodes.size())
        mark = markOf(gatewayNodes[i]);
      checkGatewayRef(context, vs.gateways[i], vs.meta.ns, mark,
                      "spec.gateways[" + std::to_string(i) + "]");
    }
    for (const auto& route : vs.http) {
      for (std::size_t m = 0; m < route.match.size(); ++m) {
        const auto& match = route.match[m];
        for (std::size_t g = 0; g < match.gateways.size(); ++g) {
          checkGatewayRef(
              context, match.gateways[g], vs.meta.ns, match.mark,
              route.path + ".match[" + std::to_string(m) + "].gateways[" + std::to_string(g) + "]");
        }
      }
      for (std::size_t r = 0; r < route.route.size(); ++r) {
        checkDestination(context, vs, route.route[r].destination,
                         route.path + ".route[" + std::to_string(r) + "].destination.subset");
      }
      for (std::size_t r = 0; r < route.mirrors.size(); ++r) {
        checkDestination(context, vs, route.mirrors[r].destination,
                         route.path + ".mirrors[" + std::to_string(r) + "].destination.subset");
      }
    }
    for (const auto* routes : {&vs.tls, &vs.tcp}) {
      for (const auto& route : *routes) {
        for (std::size_t r = 0; r < route.route.size(); ++r) {
          checkDestination(context, vs, route.route[r].destination,
                           route.path + ".route[" + std::to_string(r) + "].destination.subset");
        }
      }
    }
  }

  ConfigSet& set_;
  std::set<std::string> gateways_;
  std::set<std::string> virtualServices_;
};

}  // namespace

void crossValidate(ConfigSet& set) { CrossValidator(set).run(); }

}  // namespace portico::config
