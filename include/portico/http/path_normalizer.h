// Request-path normalisation applied before route matching and forwarding, as Envoy's
// normalize_path + merge_slashes do: RFC 3986 dot-segment removal, percent-decoding of
// unreserved characters only (so %2F stays encoded), then runs of '/' merged into one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portico::http {

struct RequestTarget {
  std::string path;
  std::string query;
  bool hasQuery = false;
  std::string authority;  // only for absolute-form targets
};

// Parses an origin-form ("/a?b"), absolute-form ("http://h/a") or asterisk ("*") target and
// normalises its path. nullopt: the target is not a valid request-target (400).
std::optional<RequestTarget> parseRequestTarget(std::string_view target);

// Normalises a path that is already known to be valid origin-form.
std::string normalizePath(std::string_view path);

}  // namespace portico::http
