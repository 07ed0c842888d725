// Private helpers shared by the VirtualService and HTTP match parsers: Istio's validation
// predicates and Go-style formatting (%q, %v, %f) so our messages read exactly like
// `istioctl validate`'s. Not part of the config module's public contract.
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
// Istio's DNS-1123 label: [a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?, at most 63 characters.
bool isDns1123Label(std::string_view s);
// Istio agent.ValidateFQDN / ValidateWildcardDomain style host check; returns "" when valid,
// otherwise Istio's message (e.g. `domain name "a..b" invalid (label "" invalid)`).
std::string checkWildcardDomain(std::string_view host);
// Istio validateGatewayNames for one reference; reports on `at`.
void checkGatewayReference(const NodeReader& at, const std::string& ref);
// "name" -> "<ns>/name"; "mesh" stays; legacy "name.ns[.svc.cluster.local]" -> "ns/name".
std::string normaliseGatewayReference(const std::string& ref, const std::string& ns);

// "spec.http[0].match[0].headers.x-a" -> "x-a"; "spec.corsPolicy.allowOrigins[2]" -> "allowOrigins".
std::string lastPathSegment(const std::string& path);

}  // namespace portico::config::istio_rules
