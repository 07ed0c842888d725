// One VirtualService http[] rule: matches, destinations, redirect, direct response, rewrite,
// retries, fault, mirrors, CORS and header operations, with Istio's validateHTTPRoute rules
// (pkg/config/validation/virtualservice.go and validation.go) and their message text.
#include <algorithm>
#include <array>
#include <limits>

#include <openssl/evp.h>
#include <re2/re2.h>

#include "istio_rules.h"
#include "portico/config/resource_parsers.h"
#include "virtual_service_parts.h"

namespace portico::config::vs_parts {

using istio_rules::goFloatF;
using istio_rules::goFloatV;
using istio_rules::goQuote;

namespace {

constexpr std::size_t kKb = 1024;
constexpr std::size_t kMb = 1024 * kKb;
constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kUint32Max = std::numeric_limits<uint32_t>::max();
constexpr std::string_view kRe2Hint =
    "; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)";

// Istio's validateStringRegexp; `where` is Istio's label for the field.
void checkRegex(const NodeReader& node, std::string_view key, std::string_view where,
                const std::string& regex) {
  if (regex.size() > 1024) {
    node.errorAt(key, goQuote(where) + ": regex is too large, max length allowed is 1024");
    return;
  }
  RE2 re(regex, RE2::Quiet);
  if (!re.ok()) {
    node.errorAt(key, goQuote(regex) + ": invalid RE2: " + re.error() + std::string(kRe2Hint));
  }
}

// A google.protobuf Percent-like object {value: double}; `{}` is 0.
std::optional<double> percentObject(NodeReader& parent, std::string_view key) {
  auto p = parent.object(key);
  if (!p) return std::nullopt;
  auto v = p->number("value");
  p->finish();
  return v.value_or(0.0);
}

bool checkFaultPercentage(const NodeReader& parent, std::string_view key, double v) {
  if (v < 0.0 || v > 100.0 || (v > 0.0 && v < 0.0001)) {
    parent.errorAt(key, "percentage " + goFloatV(v) +
                            " is neither 0.0, nor in range [0.0001, 100.0]");
    return false;
  }
  return true;
}

bool checkHttpStatus(const NodeReader& at, std::string_view key, int64_t status) {
  if (status < 200 || status > 599) {
    at.errorAt(key, "HTTP status " + std::to_string(status) + " is not in range 200-599");
    return false;
  }
  return true;
}

bool checkPort(const NodeReader& at, std::string_view key, int64_t port) {
  if (port < 1 || port > 65535) {
    at.errorAt(key, "port number " + std::to_string(port) + " must be in the range 1..65535");
    return false;
  }
  return true;
}

// grpc.SupportedGRPCStatus.
bool isGrpcStatusName(std::string_view s) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  return std::find(kNames.begin(), kNames.end(), s) != kNames.end();
}

// Codes Go's http.StatusText knows; Istio accepts these as retryOn tokens.
bool isKnownHttpStatus(int code) {
  static constexpr std::array<int, 62> kCodes = {
      100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301,
      302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409,
      410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428,
      429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511};
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

bool isRetryOnPolicy(std::string_view p) {
  static constexpr std::array<std::string_view, 16> kPolicies = {
      "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure",
      "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
      "envoy-ratelimited", "http3-post-connect-failure", "cancelled", "deadline-exceeded",
      "internal", "resource-exhausted", "unavailable"};
  if (std::find(kPolicies.begin(), kPolicies.end(), p) != kPolicies.end()) return true;
  // strconv.Atoi: optional sign, then digits.
  std::string_view digits = p;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 9) return false;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int code = std::stoi(std::string(digits));
  return p[0] != '-' && isKnownHttpStatus(code);
}

bool isCorsMethod(std::string_view m) {
  static constexpr std::array<std::string_view, 10> kMethods = {
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"};
  return std::find(kMethods.begin(), kMethods.end(), m) != kMethods.end();
}

// protobuf JSON bytes: standard base64, padding optional.
std::optional<std::string> decodeBase64(std::string text) {
  text.erase(std::remove_if(text.begin(), text.end(),
                            [](char c) { return c == '\n' || c == '\r' || c == ' '; }),
             text.end());
  while (text.size() % 4 != 0) text += '=';
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  if (padding > 2) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string regexEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(".+*?()[]{}|^$\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::optional<HttpRedirect> parseRedirect(NodeReader& r, const std::vector<HttpMatchRequest>& m) {
  HttpRedirect out;
  out.mark = r.mark();
  auto nonEmpty = [&](std::string_view key) {
    auto v = r.string(key);
    return v && !v->empty() ? v : std::nullopt;
  };
  out.uri = nonEmpty("uri");
  out.prefixRewrite = nonEmpty("prefixRewrite");
  out.authority = nonEmpty("authority");
  out.scheme = nonEmpty("scheme");
  bool ok = true;
  auto port = r.integer("port", 0, kUint32Max);
  auto derive = r.string("derivePort");
  if (port && derive) {
    r.error("only one of port or derivePort may be set");
    ok = false;
  }
  if (port && *port != 0) {
    ok = checkPort(r, "port", *port) && ok;
    out.port = static_cast<uint32_t>(*port);
  }
  if (derive) {
    if (*derive == "FROM_PROTOCOL_DEFAULT") {
      out.derivePort = HttpRedirect::DerivePort::kFromProtocolDefault;
    } else if (*derive == "FROM_REQUEST_PORT") {
      out.derivePort = HttpRedirect::DerivePort::kFromRequestPort;
    } else {
      r.errorAt("derivePort", "invalid derivePort " + goQuote(*derive) +
                                  ", must be FROM_PROTOCOL_DEFAULT or FROM_REQUEST_PORT");
      ok = false;
    }
  }
  bool anyPort = (port && *port != 0) || derive;
  if (!out.uri && !out.prefixRewrite && !out.authority && !out.scheme && !anyPort) {
    r.error("redirect must specify URI, authority, scheme, or port");
    ok = false;
  }
  if (out.uri && out.prefixRewrite) {
    r.error("redirect may only specify one of uri or prefix_rewrite");
    ok = false;
  }
  if (out.prefixRewrite) {
    for (const auto& match : m) {
      if (match.uri && match.uri->kind != StringMatch::Kind::kPrefix) {
        r.errorAt("prefixRewrite",
                  "redirect prefix_rewrite requires all URI matches to use prefix match type");
        ok = false;
        break;
      }
    }
  }
  if (auto code = r.integer("redirectCode", 0, kUint32Max); code && *code != 0) {
    if (*code < 300 || *code > 399) {
      r.errorAt("redirectCode",
                std::to_string(*code) + " is not a valid redirect code, must be 3xx");
      ok = false;
    } else if (*code != 301 && *code != 302 && *code != 303 && *code != 307 && *code != 308) {
      r.warningAt("redirectCode", "redirect code " + std::to_string(*code) +
                                      " is not supported (301, 302, 303, 307, 308 are); the "
                                      "route is dropped, as Istio does");
    }
    out.redirectCode = static_cast<uint32_t>(*code);
  }
  if (out.scheme && *out.scheme != "http" && *out.scheme != "https") {
    r.errorAt("scheme", "invalid redirect scheme, must be \"http\" or \"https\"");
    ok = false;
  }
  r.finish();
  if (!ok) return std::nullopt;
  return out;
}

std::optional<HttpDirectResponse> parseDirectResponse(NodeReader& r) {
  HttpDirectResponse out;
  out.mark = r.mark();
  bool ok = true;
  auto status = r.integer("status", 0, kUint32Max).value_or(0);
  if (!r.has("status")) {
    r.error("HTTP status 0 is not in range 200-599");
    ok = false;
  } else {
    ok = checkHttpStatus(r, "status", status);
  }
  out.status = static_cast<uint32_t>(status);
  if (auto body = r.object("body")) {
    auto text = body->string("string");
    auto bytes = body->string("bytes");
    if (text && bytes) {
      body->error("only one of string or bytes may be set");
      ok = false;
    } else if (text) {
      out.body = std::move(*text);
    } else if (bytes) {
      out.body = decodeBase64(*bytes);
      if (!out.body) {
        body->errorAt("bytes", "invalid base64");
        ok = false;
      }
    }
    body->finish();
    if (out.body && out.body->size() > kMb) {
      r.errorAt("body",
                "large direct_responses may impact control plane performance, must be less "
                "than 1MB");
      ok = false;
    } else if (out.body && out.body->size() > 100 * kKb) {
      r.warningAt("body", "large direct_responses may impact control plane performance");
    }
  }
  r.finish();
  if (!ok) return std::nullopt;
  return out;
}

std::optional<HttpRewrite> parseRewrite(NodeReader& r, const std::vector<HttpMatchRequest>& m) {
  HttpRewrite out;
  out.mark = r.mark();
  bool ok = true;
  if (auto uri = r.string("uri"); uri && !uri->empty()) out.uri = *uri;
  if (auto authority = r.string("authority"); authority && !authority->empty()) {
    out.authority = *authority;
  }
  if (auto rr = r.object("uriRegexRewrite")) {
    RegexRewrite regex;
    regex.mark = rr->mark();
    regex.match = rr->string("match").value_or("");
    regex.rewrite = rr->string("rewrite").value_or("");
    if (regex.match.empty() || regex.rewrite.empty()) {
      rr->error("UriRegexRewrite requires both Rewrite and Match fields to be specified");
      ok = false;
    } else {
      std::size_t before = r.context().errorCount();
      checkRegex(*rr, "match", "HTTPRewrite.UriRegexRewrite.Match", regex.match);
      ok = ok && r.context().errorCount() == before;
    }
    rr->finish();
    out.uriRegexRewrite = std::move(regex);
  }
  if (out.uri && out.uriRegexRewrite) {
    r.error("rewrite may only contain one of URI or UriRegexRewrite");
    ok = false;
  }
  if (!out.uri && !out.uriRegexRewrite && !out.authority) {
    r.error("rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one "
            "of URI or UriRegexRewrite may be specified");
    ok = false;
  }
  if (out.uri && out.uri->back() == '/') {
    // Envoy's prefix_rewrite replaces exactly the matched prefix, so "/products" + "/" turns
    // "/products/42" into "//42". We keep that behaviour for compatibility and say so.
    for (const auto& match : m) {
      if (!match.uri || match.uri->kind != StringMatch::Kind::kPrefix) continue;
      const std::string& p = match.uri->value;
      if (p.empty() || p.back() == '/') continue;
      const std::string& w = *out.uri;
      r.warningAt("uri", "rewrite.uri " + goQuote(w) + " with prefix match " + goQuote(p) +
                             " turns " + goQuote(p + "/42") + " into " + goQuote(w + "/42") +
                             " (only the matched prefix is replaced, as Envoy's prefix_rewrite "
                             "does); use prefix " + goQuote(p + "/") + " with rewrite.uri " +
                             goQuote(w) + ", or uriRegexRewrite match " +
                             goQuote("^" + regexEscape(p) + "/?(.*)") + " rewrite " +
                             goQuote(w + "\\1"));
      break;
    }
  }
  r.finish();
  if (!ok) return std::nullopt;
  return out;
}

std::optional<HttpRetry> parseRetries(NodeReader& r) {
  HttpRetry out;
  out.mark = r.mark();
  bool ok = true;
  auto attempts = r.integer("attempts", kInt32Min, kInt32Max).value_or(0);
  if (attempts < 0) {
    r.errorAt("attempts", "attempts cannot be negative");
    ok = false;
  }
  out.attempts = static_cast<int32_t>(attempts);
  bool hasPerTry = r.has("perTryTimeout");
  out.perTryTimeout = r.duration("perTryTimeout");
  if (hasPerTry && !out.perTryTimeout) ok = false;
  if (auto retryOn = r.string("retryOn"); retryOn && !retryOn->empty()) {
    out.retryOn = *retryOn;
    std::size_t start = 0;
    while (true) {
      auto comma = retryOn->find(',', start);
      std::string token = retryOn->substr(start, comma - start);
      if (!isRetryOnPolicy(token)) {
        r.errorAt("retryOn", goQuote(token) + " is not a valid retryOn policy");
        ok = false;
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  bool remoteLocalities = r.has("retryRemoteLocalities");
  if (remoteLocalities) {
    r.boolean("retryRemoteLocalities");
    r.warningAt("retryRemoteLocalities",
                "retryRemoteLocalities is mesh-only (locality failover); ignored");
  }
  if (attempts == 0 && (hasPerTry || out.retryOn || remoteLocalities)) {
    r.error("http retry policy configured when attempts are set to 0 (disabled)");
    ok = false;
  }
  out.retryIgnorePreviousHosts = r.boolean("retryIgnorePreviousHosts");
  bool hasBackoff = r.has("backoff");
  out.backoff = r.duration("backoff");
  if (hasBackoff && !out.backoff) ok = false;
  r.finish();
  if (!ok) return std::nullopt;
  return out;
}

std::optional<HttpFaultInjection> parseFault(NodeReader& f) {
  HttpFaultInjection out;
  out.mark = f.mark();
  bool ok = true;
  if (!f.has("delay") && !f.has("abort")) {
    f.error("HTTP fault injection must have an abort and/or a delay");
    ok = false;
  }
  if (auto d = f.object("delay")) {
    HttpFaultInjection::Delay delay;
    delay.mark = d->mark();
    if (d->has("exponentialDelay")) {
      d->duration("exponentialDelay");
      d->errorAt("exponentialDelay", "exponentialDelay not supported yet");
      ok = false;
    }
    bool hasFixed = d->has("fixedDelay");
    auto fixed = d->duration("fixedDelay");
    if (fixed) {
      delay.fixedDelay = *fixed;
    } else if (!hasFixed && !d->has("exponentialDelay")) {
      d->error("delay requires fixedDelay");
      ok = false;
    } else {
      ok = false;
    }
    auto pct = percentObject(*d, "percentage");
    auto legacy = d->integer("percent", kInt32Min, kInt32Max);
    if (pct) {
      if (checkFaultPercentage(*d, "percentage", *pct)) delay.percentage = *pct;
      else ok = false;
    } else if (legacy) {
      if (*legacy < 0 || *legacy > 100) {
        d->errorAt("percent", "percentage " + std::to_string(*legacy) + " is not in range 0..100");
        ok = false;
      } else {
        delay.percentage = static_cast<double>(*legacy);
      }
    }
    d->finish();
    out.delay = delay;
  }
  if (auto a = f.object("abort")) {
    HttpFaultInjection::Abort abort;
    abort.mark = a->mark();
    auto http = a->integer("httpStatus", kInt32Min, kInt32Max);
    auto grpc = a->string("grpcStatus");
    bool h2 = a->has("http2Error");
    int types = (a->has("httpStatus") ? 1 : 0) + (a->has("grpcStatus") ? 1 : 0) + (h2 ? 1 : 0);
    if (types > 1) {
      a->error("only one of httpStatus, grpcStatus or http2Error may be set");
      ok = false;
    }
    if (auto pct = percentObject(*a, "percentage")) {
      if (checkFaultPercentage(*a, "percentage", *pct)) abort.percentage = *pct;
      else ok = false;
    }
    if (h2) {
      a->errorAt("http2Error", "HTTP/2 abort fault injection not supported yet");
      ok = false;
    }
    if (http) {
      ok = checkHttpStatus(*a, "httpStatus", *http) && ok;
      abort.httpStatus = static_cast<int32_t>(*http);
    }
    if (grpc) {
      if (!isGrpcStatusName(*grpc)) {
        a->errorAt("grpcStatus", "gRPC status " + goQuote(*grpc) +
                                     " is not supported. See https://github.com/grpc/grpc/blob/"
                                     "master/doc/statuscodes.md for a list of supported codes, "
                                     "for example 'NOT_FOUND'");
        ok = false;
      }
      abort.grpcStatus = *grpc;
    }
    a->finish();
    if (types == 0) {
      f.warningAt("abort", "abort configured, but error type not set");
    } else {
      out.abort = abort;
    }
  }
  f.finish();
  if (!ok) return std::nullopt;
  return out;
}

std::optional<CorsPolicy> parseCors(NodeReader& c) {
  CorsPolicy out;
  out.mark = c.mark();
  bool ok = true;
  for (auto& item : c.list("allowOrigins")) {
    std::size_t before = c.context().errorCount();
    auto sm = parseStringMatch(item, false);
    if (c.context().errorCount() != before) {
      ok = false;
      continue;
    }
    if (!sm || sm->kind == StringMatch::Kind::kPresence || sm->value.empty()) {
      item.error("'" + (sm && sm->kind == StringMatch::Kind::kPresence && item.has("regex")
                            ? std::string("*")
                            : std::string()) +
                 "' is not a valid match type for CORS allow origins");
      ok = false;
      continue;
    }
    out.allowOrigins.push_back(std::move(*sm));
  }
  if (c.has("allowOrigin")) {
    c.warningAt("allowOrigin", "allowOrigin is deprecated; use allowOrigins");
    for (auto& item : c.list("allowOrigin")) {
      auto origin = item.asString();
      if (!origin) {
        item.error("expected a string");
        ok = false;
        continue;
      }
      out.allowOrigins.push_back({StringMatch::Kind::kExact, *origin, item.mark()});
    }
  }
  for (auto& item : c.list("allowMethods")) {
    auto method = item.asString().value_or("");
    if (!isCorsMethod(method)) {
      item.error(goQuote(method) + " is not a supported HTTP method");
      ok = false;
      continue;
    }
    out.allowMethods.push_back(method);
  }
  for (std::string_view key : {"allowHeaders", "exposeHeaders"}) {
    auto& target = key == "allowHeaders" ? out.allowHeaders : out.exposeHeaders;
    for (auto& item : c.list(key)) {
      auto name = item.asString().value_or("");
      if (name.empty()) {
        item.error("header name cannot be empty");
        ok = false;
      } else if (name != "*" && !istio_rules::isHeaderToken(name)) {
        item.error("header name " + name + " is not a valid header name");
        ok = false;
      } else {
        target.push_back(name);
      }
    }
  }
  bool hasMaxAge = c.has("maxAge");
  out.maxAge = c.duration("maxAge");
  if (hasMaxAge && !out.maxAge) ok = false;
  if (out.maxAge && out.maxAge->count() % 1000 != 0) {
    c.errorAt("maxAge", "max_age duration is accurate only to seconds precision");
    ok = false;
  }
  out.allowCredentials = c.boolean("allowCredentials");
  if (auto mode = c.string("unmatchedPreflights")) {
    if (*mode == "IGNORE") {
      out.unmatchedPreflights = CorsPolicy::UnmatchedPreflights::kIgnore;
    } else if (*mode != "FORWARD" && *mode != "UNSPECIFIED") {
      c.errorAt("unmatchedPreflights", "invalid unmatchedPreflights " + goQuote(*mode) +
                                           ", must be UNSPECIFIED, FORWARD or IGNORE");
      ok = false;
    }
  }
  c.finish();
  if (!ok) return std::nullopt;
  return out;
}

void parseMirrors(NodeReader& node, HttpRoute& out) {
  bool hasMirror = node.has("mirror");
  bool hasMirrors = node.has("mirrors");
  if (hasMirror && hasMirrors) node.error("HTTP route cannot contain both mirror and mirrors");

  auto percentage = percentObject(node, "mirrorPercentage");
  if (percentage && *percentage > 100) {
    node.errorAt("mirrorPercentage", "mirror_percentage must have a max value of 100 (it has " +
                                         goFloatF(*percentage) + ")");
  } else if (percentage && *percentage < 0) {
    node.errorAt("mirrorPercentage", "mirror_percentage must have a min value of 0 (it has " +
                                         goFloatF(*percentage) + ")");
  }
  auto legacy = node.integer("mirrorPercent", 0, kUint32Max);
  if (node.has("mirrorPercent")) {
    if (legacy && *legacy > 100) {
      node.errorAt("mirrorPercent", "mirror_percent must have a max value of 100 (it has " +
                                        std::to_string(*legacy) + ")");
    }
    node.warningAt("mirrorPercent",
                   "using deprecated setting \"mirrorPercent\", use \"mirrorPercentage\" instead");
  }
  if (auto m = node.object("mirror")) {
    HttpMirror mirror;
    mirror.mark = m->mark();
    mirror.destination = parseDestination(*m);
    if (percentage) mirror.percentage = *percentage;
    else if (legacy) mirror.percentage = static_cast<double>(*legacy);
    out.mirrors.push_back(std::move(mirror));
  } else if (percentage || legacy) {
    node.warningAt(percentage ? "mirrorPercentage" : "mirrorPercent",
                   "has no effect without mirror");
  }
  for (auto& item : node.list("mirrors")) {
    if (!item.isMap()) {
      item.error("mirror cannot be null");
      continue;
    }
    HttpMirror mirror;
    mirror.mark = item.mark();
    auto dest = item.object("destination");
    auto pct = percentObject(item, "percentage");
    item.finish();
    if (!dest) {
      item.error("destination is required for mirrors");
      continue;
    }
    mirror.destination = parseDestination(*dest);
    if (pct && *pct > 100) {
      item.errorAt("percentage", "mirror percentage must have a max value of 100 (it has " +
                                     goFloatF(*pct) + ")");
    } else if (pct && *pct < 0) {
      item.errorAt("percentage", "mirror percentage must have a min value of 0 (it has " +
                                     goFloatF(*pct) + ")");
    }
    if (pct) mirror.percentage = *pct;
    if (!hasMirror) out.mirrors.push_back(std::move(mirror));
  }
}

void checkAuthorityRewrite(NodeReader& node, const std::optional<HttpRewrite>& rewrite,
                           const Headers& headers) {
  std::string current = rewrite && rewrite->authority ? *rewrite->authority : "";
  for (const auto* ops : {&headers.request.set, &headers.request.add}) {
    for (const auto& [name, value] : *ops) {
      if (name != ":authority" && name != "host") continue;
      if (!current.empty()) {
        node.errorAt("headers", "authority header cannot be set multiple times: have " +
                                    goQuote(current) + ", attempting to set " + goQuote(value));
        return;
      }
      current = value;
    }
  }
}

}  // namespace

void checkWeight(NodeReader& item, int32_t& weight, bool& weightSet) {
  weightSet = item.has("weight");
  auto w = item.integer("weight", kInt32Min, kInt32Max);
  if (!w) return;
  if (*w < 0) {
    item.errorAt("weight", "weight " + std::to_string(*w) + " < 0");
    return;
  }
  weight = static_cast<int32_t>(*w);
}

void checkTotalWeight(NodeReader& parent, std::string_view key, std::size_t count,
                      int64_t total) {
  if (count > 1 && total == 0) parent.errorAt(key, "total destination weight = 0");
}

void parseHttpRoute(NodeReader& node, const RouteContext& context, HttpRoute& out) {
  out.mark = node.mark();
  out.path = node.path();
  if (!node.isMap()) {
    node.error("http route may not be null");
    return;
  }
  out.name = node.string("name").value_or("");

  for (auto& item : node.list("match")) {
    HttpMatchRequest match;
    std::size_t before = node.context().errorCount();
    parseHttpMatchRequest(item, match);
    for (auto& gw : match.gateways) gw = istio_rules::normaliseGatewayReference(gw, context.ns);
    if (node.context().errorCount() == before) out.match.push_back(std::move(match));
  }

  const bool hasRoute = node.has("route");
  const bool hasRedirect = node.has("redirect");
  const bool hasDirect = node.has("directResponse");
  const bool hasDelegate = node.has("delegate");
  const bool hasRewrite = node.has("rewrite");
  const bool hasFault = node.has("fault");

  // validateHTTPRouteConflict
  if (hasDelegate && !context.delegateVs) {
    if (hasRedirect) node.error("root HTTP route " + out.name + " must not specify redirect");
    if (hasRoute) node.error("root HTTP route " + out.name + " must not specify route");
  } else {
    if (hasDelegate) node.errorAt("delegate", "delegate HTTP route cannot contain delegate");
    if (hasRedirect) {
      if (hasRoute) node.error("HTTP route cannot contain both route and redirect");
      if (hasFault) node.error("HTTP route cannot contain both fault and redirect");
      if (hasRewrite) node.error("HTTP route rule cannot contain both rewrite and redirect");
      if (hasDirect) {
        node.error("HTTP route rule cannot contain both direct_response and redirect");
      }
    } else if (hasDirect) {
      if (hasRoute) node.error("HTTP route cannot contain both route and direct_response");
      if (hasFault) node.error("HTTP route cannot contain both fault and direct_response");
      if (hasRewrite) {
        node.error("HTTP route rule cannot contain both rewrite and direct_response");
      }
    } else if (!hasRoute) {
      node.error("HTTP route, redirect or direct_response is required");
    }
  }

  int64_t total = 0;
  auto routes = node.list("route");
  for (auto& item : routes) {
    if (!item.isMap()) {
      item.error("weight may not be nil");
      continue;
    }
    HttpRouteDestination d;
    d.mark = item.mark();
    if (auto dest = item.object("destination")) {
      d.destination = parseDestination(*dest);
    } else {
      item.error("destination is required");
    }
    checkWeight(item, d.weight, d.weightSet);
    if (auto h = item.object("headers")) d.headers = parseHeaders(*h);
    item.finish();
    total += d.weight;
    out.route.push_back(std::move(d));
  }
  checkTotalWeight(node, "route", routes.size(), total);

  if (auto r = node.object("redirect")) out.redirect = parseRedirect(*r, out.match);
  if (auto r = node.object("directResponse")) out.directResponse = parseDirectResponse(*r);
  if (auto d = node.object("delegate")) {
    auto name = d->string("name").value_or("");
    auto ns = d->string("namespace").value_or(context.ns);
    d->finish();
    if (name.empty()) d->error("delegate name is required");
    out.delegate = ns + "/" + name;
    node.warningAt("delegate",
                   "delegate is not implemented by Portico; this route will not be served");
  }
  if (auto r = node.object("rewrite")) out.rewrite = parseRewrite(*r, out.match);
  out.timeout = node.duration("timeout");
  if (auto r = node.object("retries")) out.retries = parseRetries(*r);
  if (auto f = node.object("fault")) out.fault = parseFault(*f);
  parseMirrors(node, out);
  if (auto c = node.object("corsPolicy")) out.corsPolicy = parseCors(*c);
  if (auto h = node.object("headers")) {
    out.headers = parseHeaders(*h);
    checkAuthorityRewrite(node, out.rewrite, out.headers);
  }
  node.finish();
}

}  // namespace portico::config::vs_parts
