// One compiled HttpMatchRequest: the uri condition plus every other condition of the
// block (ANDed). The RouteIndex uses the uri part to narrow candidates and asks
// conditionsHold() for the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "portico/config/virtual_service.h"
#include "portico/route/header_matcher.h"
#include "portico/route/match_input.h"
#include "portico/route/path_matcher.h"
#include "portico/route/query_matcher.h"
#include "portico/route/string_matcher.h"

namespace portico::route {

class RequestMatcher {
 public:
  RequestMatcher() = default;  // catch-all
  explicit RequestMatcher(const config::HttpMatchRequest& match);

  // Matched path length when the whole block matches.
  std::optional<uint32_t> match(const MatchInput& input) const {
    auto length = path_.match(input.path);
    if (!length || !conditionsHold(input)) return std::nullopt;
    return length;
  }
  // Every condition except the uri.
  bool conditionsHold(const MatchInput& input) const;
  const PathMatcher& path() const { return path_; }

 private:
  PathMatcher path_;
  std::optional<StringMatcher> scheme_;
  std::optional<StringMatcher> method_;
  std::optional<StringMatcher> authority_;
  std::vector<HeaderMatcher> headers_;
  std::vector<QueryMatcher> queryParams_;
};

}  // namespace portico::route
