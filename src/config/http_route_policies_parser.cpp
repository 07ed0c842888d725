// Per-route policies: HTTPRetry, HTTPFaultInjection, CorsPolicy and mirrors, with Istio's
// validateHTTPRetry / validateHTTPFaultInjection / validateCORSPolicy / mirror rules.
#include <algorithm>
#include <array>

#include "istio_rules.h"
#include "portico/config/resource_parsers.h"
#include "virtual_service_parts.h"

namespace portico::config::vs_parts {

using istio_rules::goFloatF;
using istio_rules::goFloatV;
using istio_rules::goQuote;

namespace {

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
  static constexpr std::array<std::string_view, 16> kPolicies = {"5xx",
                                                                 "gateway-error",
                                                                 "reset",
                                                                 "reset-before-request",
                                                                 "connect-failure",
                                                                 "retriable-4xx",
                                                                 "refused-stream",
                                                                 "retriable-status-codes",
                                                                 "retriable-headers",
                                                                 "envoy-ratelimited",
                                                                 "http3-post-connect-failure",
                                                                 "cancelled",
                                                                 "deadline-exceeded",
                                                                 "internal",
                                                                 "resource-exhausted",
                                                                 "unavailable"};
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
}  // namespace

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
      if (checkFaultPercentage(*d, "percentage", *pct))
        delay.percentage = *pct;
      else
        ok = false;
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
      if (checkFaultPercentage(*a, "percentage", *pct))
        abort.percentage = *pct;
      else
        ok = false;
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
      if (!grpcStatusCode(*grpc)) {
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
      const bool presenceRegex =
          sm && sm->kind == StringMatch::Kind::kPresence && item.has("regex");
      item.error(presenceRegex ? "'*' is not a valid match type for CORS allow origins"
                               : "'' is not a valid match type for CORS allow origins");
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
    if (percentage)
      mirror.percentage = *percentage;
    else if (legacy)
      mirror.percentage = static_cast<double>(*legacy);
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
      item.errorAt("percentage",
                   "mirror percentage must have a min value of 0 (it has " + goFloatF(*pct) + ")");
    }
    if (pct) mirror.percentage = *pct;
    if (!hasMirror) out.mirrors.push_back(std::move(mirror));
  }
}

}  // namespace portico::config::vs_parts
