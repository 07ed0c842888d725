#include "portico/http/path_normalizer.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <vector>

namespace portico::http {
namespace {

std::string mergeSlashes(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes percent-escapes of unreserved characters and upper-cases the others' hex, so
// that %7E and ~ (or %2e and .) compare equal while %2F stays an encoded slash.
std::string normalizeSegment(std::string_view seg) {
  std::string out;
  out.reserve(seg.size());
  for (std::size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '%') {
      int hi = i + 1 < seg.size() ? hexValue(seg[i + 1]) : -1;
      int lo = i + 2 < seg.size() ? hexValue(seg[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        auto c = static_cast<unsigned char>(hi * 16 + lo);
        if (isUnreserved(c)) {
          out.push_back(static_cast<char>(c));
        } else {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out.push_back('%');
          out.push_back(kHex[hi]);
          out.push_back(kHex[lo]);
        }
        i += 2;
        continue;
      }
    }
    out.push_back(seg[i]);
  }
  return out;
}

// RFC 3986 5.2.4 over Boost.URL's segment list (Boost 1.81's own normalize_path decodes
// %2F, which would let "/a%2F..%2Fb" escape its segment, so only its parsing is used).
std::string normalizedPathOf(boost::urls::url_view u) {
  std::vector<std::string> out;
  bool trailingSlash = false;
  for (auto seg : u.encoded_segments()) {
    std::string s = normalizeSegment(std::string_view(seg.data(), seg.size()));
    trailingSlash = false;
    if (s == ".") {
      trailingSlash = true;
    } else if (s == "..") {
      if (!out.empty()) out.pop_back();
      trailingSlash = true;
    } else {
      out.push_back(std::move(s));
    }
  }
  std::string path;
  for (const auto& s : out) path.append("/").append(s);
  if (path.empty() || trailingSlash) path.push_back('/');
  return mergeSlashes(path);
}

}  // namespace

std::optional<RequestTarget> parseRequestTarget(std::string_view target) {
  RequestTarget out;
  if (target == "*") {
    out.path = "*";
    return out;
  }
  if (!target.empty() && target.front() == '/') {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return std::nullopt;
    out.hasQuery = parsed->has_query();
    out.query.assign(parsed->encoded_query().data(), parsed->encoded_query().size());
    out.path = normalizedPathOf(*parsed);
    return out;
  }
  auto parsed = boost::urls::parse_absolute_uri(target);
  if (!parsed || !parsed->has_authority()) return std::nullopt;
  out.authority.assign(parsed->encoded_authority().data(), parsed->encoded_authority().size());
  out.hasQuery = parsed->has_query();
  out.query.assign(parsed->encoded_query().data(), parsed->encoded_query().size());
  out.path = normalizedPathOf(*parsed);
  return out;
}

std::string normalizePath(std::string_view path) {
  auto t = parseRequestTarget(path);
  return t ? t->path : std::string(path);
}

}  // namespace portico::http
