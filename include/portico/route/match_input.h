// What route matching reads from a request: a view over the codec's parsed head,
// built once per request; nothing here owns memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::route {

// Header access for matchers; implemented by the HTTP layer's header map.
class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  // Value of the header named `lowerName` (already lower-case). Repeated headers are seen
  // joined with "," as Envoy's matchers see them; nullopt when absent.
  virtual std::optional<std::string_view> find(std::string_view lowerName) const = 0;
};

struct MatchInput {
  std::string_view method;     // "GET"
  std::string_view scheme;     // "http" | "https"
  std::string_view authority;  // Host / :authority as received, port included
  std::string_view path;       // normalised path, no query string
  std::string_view query;      // raw query string after '?', without it; may be empty
  uint16_t listenerPort = 0;
  const HeaderSource* headers = nullptr;
};

}  // namespace portico::route
