// Route actions other than forwarding: HTTPRedirect, HTTPDirectResponse and HTTPRewrite, with
// Istio's validateHTTPRedirect / validateHTTPDirectResponse / validateHTTPRewrite rules.
#include <openssl/evp.h>

#include <algorithm>

#include "istio_rules.h"
#include "virtual_service_parts.h"

namespace portico::config::vs_parts {

using istio_rules::goQuote;

namespace {

constexpr std::size_t kKb = 1024;
constexpr std::size_t kMb = 1024 * kKb;

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

}  // namespace

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
      ok = istio_rules::checkRegexSyntax(*rr, "match", "HTTPRewrite.UriRegexRewrite.Match",
                                         regex.match) &&
           ok;
    }
    rr->finish();
    out.uriRegexRewrite = std::move(regex);
  }
  if (out.uri && out.uriRegexRewrite) {
    r.error("rewrite may only contain one of URI or UriRegexRewrite");
    ok = false;
  }
  if (!out.uri && !out.uriRegexRewrite && !out.authority) {
    r.error(
        "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one "
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
      // Built with += rather than "^" + std::string: GCC 12 reports a false -Wrestrict there.
      std::string regex = "^";
      regex += regexEscape(p);
      regex += "/?(.*)";
      r.warningAt("uri", "rewrite.uri " + goQuote(w) + " with prefix match " + goQuote(p) +
                             " turns " + goQuote(p + "/42") + " into " + goQuote(w + "/42") +
                             " (only the matched prefix is replaced, as Envoy's prefix_rewrite "
                             "does); use prefix " +
                             goQuote(p + "/") + " with rewrite.uri " + goQuote(w) +
                             ", or uriRegexRewrite match " +
                             goQuote(regex) + " rewrite " +
                             goQuote(w + "\\1"));
      break;
    }
  }
  r.finish();
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace portico::config::vs_parts
