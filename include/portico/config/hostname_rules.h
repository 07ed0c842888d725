// Name and address rules shared by the resource parsers: DNS-1123 labels, Istio host names
// (with a wildcard left-most label), IP addresses and CIDR blocks. Each check returns the
// problem in Istio's wording, or nullopt when the value is fine.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portico::config {

// Istio's DNS-1123 label: [a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?, at most 63 characters.
bool isDns1123Label(std::string_view value);
// A DNS-1123 label that may start with `*` or `*-` (Istio's wildcard label), or `*` alone.
bool isWildcardDns1123Label(std::string_view value);

// Istio's ValidateWildcardDomain: "*", "*.example.com", "example.com", "reviews".
// "domain name %q invalid (label %q invalid)", "... (top level domain %q cannot be
// all-numeric)" and friends; unlike Istio, %q is always the whole host as written.
std::optional<std::string> checkWildcardDomain(std::string_view host);
// Istio's ValidateFQDN: no wildcard, no all-numeric last label, trailing dot allowed.
std::optional<std::string> checkFqdn(std::string_view host);

bool isIpAddress(std::string_view value);    // IPv4 or IPv6, no prefix
bool isCidr(std::string_view value);         // "10.0.0.0/8", "fd00::/8"
bool isUnixAddress(std::string_view value);  // "unix:///path" or "unix://@abstract"

}  // namespace portico::config
