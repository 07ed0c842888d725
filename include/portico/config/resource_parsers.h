// Spec parsers, one per kind: each reads `spec` into the typed model, reports every
// problem through the reader's context (Istio's validation rules included), and warns
// about unknown, mesh-only and not-yet-implemented fields. Cross-resource checks
// (references between resources) happen later, in cross_validator.h.
#pragma once

#include "portico/config/destination_rule.h"
#include "portico/config/gateway.h"
#include "portico/config/node_reader.h"
#include "portico/config/rate_limit_config.h"
#include "portico/config/service_entry.h"
#include "portico/config/virtual_service.h"

namespace portico::config {

void parseGatewaySpec(NodeReader& spec, Gateway& out);                  // gateway_parser.cpp
void parseVirtualServiceSpec(NodeReader& spec, VirtualService& out);    // virtual_service_parser.cpp
void parseDestinationRuleSpec(NodeReader& spec, DestinationRule& out);  // destination_rule_parser.cpp
void parseServiceEntrySpec(NodeReader& spec, ServiceEntry& out);        // service_entry_parser.cpp
void parseRateLimitConfigSpec(NodeReader& spec, RateLimitConfig& out);  // rate_limit_config_parser.cpp

// One http match block (VirtualService http[].match[], RateLimitConfig limits[].match[]).
void parseHttpMatchRequest(NodeReader& node, HttpMatchRequest& out);    // http_match_parser.cpp
// A StringMatch (exact|prefix|regex, `{}` = presence). `allowEmptyPrefix` only for uri.
std::optional<StringMatch> parseStringMatch(NodeReader& node, bool allowEmptyPrefix);

}  // namespace portico::config
