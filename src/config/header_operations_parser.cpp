// Route- and destination-level header operations (Istio HeaderOperations) with Istio's name
// and value checks (ValidateHTTPHeaderWithAuthorityOperationName, ValidateHTTPHeaderValue...).
#include <algorithm>
#include <cctype>

#include "istio_rules.h"
#include "virtual_service_parts.h"

namespace portico::config::vs_parts {

using istio_rules::goQuote;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool isAuthority(const std::string& lowered) {
  return lowered == ":authority" || lowered == "host";
}

// Returns false (after reporting) when the name cannot be used for this operation.
// `authorityAllowed`: request set/add, where :authority/host become a host rewrite.
bool checkName(const NodeReader& at, const std::string& name, bool authorityAllowed) {
  if (name.empty()) {
    at.error("header name cannot be empty");
    return false;
  }
  std::string l = lower(name);
  if (authorityAllowed && isAuthority(l)) return true;
  if (!authorityAllowed && l == "host") {
    at.error("invalid header " + goQuote(name) + ": cannot set Host header");
    return false;
  }
  if (name.front() == ':') {
    at.error("invalid header " + goQuote(name) + ": header cannot have \":\" prefix");
    return false;
  }
  if (!istio_rules::isHeaderToken(name)) {
    at.error("header name " + name + " is not a valid header name");
    return false;
  }
  return true;
}

void parseValues(NodeReader& ops, std::string_view key, bool authorityAllowed,
                 std::vector<std::pair<std::string, std::string>>& out) {
  for (auto& [name, value] : ops.entries(key)) {
    if (!checkName(value, name, authorityAllowed)) continue;
    auto v = value.isNull() ? std::optional<std::string>("") : value.asString();
    if (!v) {
      value.error("expected a string");
      continue;
    }
    if (auto err = istio_rules::checkHeaderValue(*v); !err.empty()) {
      value.error(err);
      continue;
    }
    out.emplace_back(lower(name), std::move(*v));
  }
}

HeaderOperations parseOperations(NodeReader& ops, bool request) {
  HeaderOperations out;
  parseValues(ops, "set", request, out.set);
  parseValues(ops, "add", request, out.add);
  for (auto& item : ops.list("remove")) {
    auto name = item.asString();
    if (!name) {
      item.error("expected a string");
      continue;
    }
    if (checkName(item, *name, false)) out.remove.push_back(lower(*name));
  }
  ops.finish();
  return out;
}

}  // namespace

Headers parseHeaders(NodeReader& node) {
  Headers out;
  if (auto request = node.object("request")) out.request = parseOperations(*request, true);
  if (auto response = node.object("response")) out.response = parseOperations(*response, false);
  node.finish();
  return out;
}

}  // namespace portico::config::vs_parts
