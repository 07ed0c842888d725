#include "portico/route/query_matcher.h"

#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>
#include <utility>

namespace portico::route {

QueryMatcher::QueryMatcher(std::string name, const config::StringMatch& match)
    : name_(std::move(name)), matcher_(match) {}

bool QueryMatcher::matches(std::string_view query) const {
  if (query.empty()) return false;
  auto params = boost::urls::parse_query(query);
  if (!params) return false;
  for (auto param : *params) {
    if (param.key.decoded_size() != name_.size() || *param.key != name_) continue;
    if (matcher_.kind() == StringMatcher::Kind::kPresence) return true;
    if (!param.has_value) return matcher_.matches(std::string_view());
    if (param.value.decoded_size() == param.value.size()) {
      return matcher_.matches(std::string_view(param.value.data(), param.value.size()));
    }
    std::string decoded = param.value.decode();  // rare: only for escaped values
    return matcher_.matches(decoded);
  }
  return false;
}

}  // namespace portico::route
