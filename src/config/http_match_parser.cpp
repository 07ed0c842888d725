// HTTPMatchRequest and StringMatch decoding with Istio's validation rules
// (pkg/config/validation: validateHTTPRouteMatchRequest, validateStringMatch).
#include <algorithm>
#include <array>
#include <cctype>

#include "istio_rules.h"
#include "portico/config/resource_parsers.h"

namespace portico::config {

using istio_rules::goQuote;

namespace {

// Istio validateStringMatchRegexp: not empty, then validateStringRegexp.
void checkRegex(const NodeReader& node, const std::string& where, const std::string& regex) {
  if (regex.empty()) {
    node.errorAt("regex", goQuote(where) + ": regex string match should not be empty");
    return;
  }
  istio_rules::checkRegexSyntax(node, "regex", where, regex);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool isPseudoHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kPseudo = {":method", ":scheme", ":authority",
                                                              ":path", ":status"};
  return std::find(kPseudo.begin(), kPseudo.end(), name) != kPseudo.end();
}

// Istio's header-match keys that name request properties matched elsewhere.
bool isReservedMatchKey(std::string_view name) {
  return name == "uri" || name == "scheme" || name == "method" || name == "authority";
}

void parseHeaderMatches(NodeReader& match, std::string_view key, bool negated,
                        std::vector<std::pair<std::string, StringMatch>>& out) {
  for (auto& [name, value] : match.entries(key)) {
    if (name.empty()) {
      value.error("header name cannot be empty");
      continue;
    }
    if (name.rfind("@request.auth.claims", 0) == 0) {
      // Dropping the condition would widen the route, so refuse rather than ignore.
      value.error(
          "JWT claim matching (@request.auth.claims) needs RequestAuthentication, which "
          "Portico does not implement");
      continue;
    }
    if (!isPseudoHeader(name) && !istio_rules::isHeaderToken(name)) {
      value.error("header name " + name + " is not a valid header name");
      continue;
    }
    if (isReservedMatchKey(name)) {
      value.warning("header match key " + goQuote(name) + " is ignored (as Istio does); use the " +
                    name + " field of the match instead");
      continue;
    }
    if (value.isNull()) {
      if (!negated) {
        value.error("header match " + name + " cannot be null");
        continue;
      }
      StringMatch presence;
      presence.mark = value.mark();
      out.emplace_back(lower(name), presence);
      continue;
    }
    if (auto sm = parseStringMatch(value, false)) out.emplace_back(lower(name), std::move(*sm));
  }
}

}  // namespace

std::optional<StringMatch> parseStringMatch(NodeReader& node, bool allowEmptyPrefix) {
  if (!node.isMap()) {
    node.error("expected a string match object (exact, prefix or regex)");
    return std::nullopt;
  }
  StringMatch out;
  out.mark = node.mark();
  const std::string where = istio_rules::lastPathSegment(node.path());
  auto exact = node.string("exact");
  auto prefix = node.string("prefix");
  auto regex = node.string("regex");
  node.finish();

  int set = (exact ? 1 : 0) + (prefix ? 1 : 0) + (regex ? 1 : 0);
  if (set > 1) {
    node.error("only one of exact, prefix or regex may be set");
    return std::nullopt;
  }
  if (exact) {
    out.kind = StringMatch::Kind::kExact;
    out.value = *exact;
  } else if (prefix) {
    if (prefix->empty() && !allowEmptyPrefix) {
      node.errorAt("prefix", goQuote(where) + ": prefix string match should not be empty");
      return std::nullopt;
    }
    out.kind = StringMatch::Kind::kPrefix;
    out.value = *prefix;
  } else if (regex) {
    // `regex: "*"` is Istio's spelling of "present", not an RE2 pattern.
    if (*regex == "*") return out;
    std::size_t before = node.context().errorCount();
    checkRegex(node, where, *regex);
    if (node.context().errorCount() != before) return std::nullopt;
    out.kind = StringMatch::Kind::kRegex;
    out.value = *regex;
  }
  return out;
}

void parseHttpMatchRequest(NodeReader& node, HttpMatchRequest& out) {
  out.mark = node.mark();
  if (!node.isMap()) {
    node.error("expected an object");
    return;
  }
  out.name = node.string("name").value_or("");
  struct Field {
    std::string_view key;
    std::optional<StringMatch>* target;
    bool allowEmptyPrefix;
  };
  const Field fields[] = {{"uri", &out.uri, true},
                          {"scheme", &out.scheme, false},
                          {"method", &out.method, false},
                          {"authority", &out.authority, false}};
  for (const auto& f : fields) {
    if (auto child = node.child(f.key)) *f.target = parseStringMatch(*child, f.allowEmptyPrefix);
  }
  parseHeaderMatches(node, "headers", false, out.headers);
  parseHeaderMatches(node, "withoutHeaders", true, out.withoutHeaders);
  for (auto& [name, value] : node.entries("queryParams")) {
    if (value.isNull()) {
      value.error("query parameter match " + name + " cannot be null");
      continue;
    }
    if (auto sm = parseStringMatch(value, false))
      out.queryParams.emplace_back(name, std::move(*sm));
  }
  out.ignoreUriCase = node.boolean("ignoreUriCase").value_or(false);
  if (auto port = node.integer("port", 0, 4294967295LL)) {
    if (*port > 65535) {
      node.errorAt("port",
                   "port number " + std::to_string(*port) + " must be in the range 1..65535");
    } else {
      out.port = static_cast<uint32_t>(*port);
    }
  }
  if (node.has("gateways")) {
    auto items = node.list("gateways");
    for (auto& item : items) {
      auto ref = item.asString();
      if (!ref) {
        item.error("expected a string");
        continue;
      }
      istio_rules::checkGatewayReference(item, *ref);
      out.gateways.push_back(*ref);
    }
  }
  if (auto prefix = node.string("statPrefix")) out.statPrefix = *prefix;
  node.ignore("sourceLabels",
              "sourceLabels is mesh-only (it selects client sidecar workloads); ignored");
  node.ignore("sourceNamespace",
              "sourceNamespace is mesh-only (it selects client sidecar workloads); ignored");
  node.finish();
}

}  // namespace portico::config
