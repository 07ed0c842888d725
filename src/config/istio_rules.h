// Private helpers shared by the VirtualService and HTTP match parsers: Istio's validation
// predicates (pkg/config/validation, pkg/config/host) and Go-style formatting (%q, %v, %f) so
// our messages read exactly like `istioctl validate`'s. Not part of the module's contract.
#pragma once

#include <string>
#include <string_view>

#include "portico/config/node_reader.h"

namespace portico::config::istio_rules {

// Go's %q of a string (strconv.Quote for ASCII input).
std::string goQuote(std::string_view s);
// Go's %v and %f of a float64.
std::string goFloatV(double v);
std::string goFloatF(double v);

// RFC 7230 token characters (Istio's validHeaderNameRegex).
bool isHeaderToken(std::string_view name);

// Host names, DNS-1123 labels and IP addresses: see portico/config/hostname_rules.h.
// The checks below return "" when valid, otherwise Istio's message.
// Envoy's header formatter syntax as Istio ports it (ValidateHTTPHeaderValue).
std::string checkHeaderValue(std::string_view value);
// agent.ValidateIPSubnet: a CIDR range or a plain IP address.
std::string checkIpSubnet(std::string_view subnet);

// Istio validateStringRegexp: at most 1024 characters and valid RE2. Reports at `key` of
// `node`: `"<where>": regex is too large...` or `"<regex>": invalid RE2: <error>; Istio uses...`.
// Returns whether the regex is usable.
bool checkRegexSyntax(const NodeReader& node, std::string_view key, std::string_view where,
                      const std::string& regex);

// Istio validateGatewayNames for one reference; reports on `at`.
void checkGatewayReference(const NodeReader& at, const std::string& ref);
// "name" -> "<ns>/name"; "mesh" stays; legacy "name.ns[.svc.cluster.local]" -> "ns/name".
std::string normaliseGatewayReference(const std::string& ref, const std::string& ns);

// host.Name.Matches / SubsetOf ("*.foo.com" matches "a.foo.com"; "*" matches all).
bool hostsOverlap(std::string_view a, std::string_view b);
bool hostSubsetOf(std::string_view sub, std::string_view of);

// "spec.http[0].match[0].headers.x-a" -> "x-a"; "spec.corsPolicy.allowOrigins[2]" ->
// "allowOrigins".
std::string lastPathSegment(const std::string& path);

}  // namespace portico::config::istio_rules
