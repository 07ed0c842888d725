#include "portico/http/path_normalizer.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

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

std::string normalizedPathOf(boost::urls::url& u) {
  u.normalize_path();
  std::string_view p(u.encoded_path().data(), u.encoded_path().size());
  if (p.empty()) return "/";
  return mergeSlashes(p);
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
    boost::urls::url u(*parsed);
    out.hasQuery = u.has_query();
    out.query.assign(u.encoded_query().data(), u.encoded_query().size());
    out.path = normalizedPathOf(u);
    return out;
  }
  auto parsed = boost::urls::parse_absolute_uri(target);
  if (!parsed || !parsed->has_authority()) return std::nullopt;
  boost::urls::url u(*parsed);
  out.authority.assign(u.encoded_authority().data(), u.encoded_authority().size());
  out.hasQuery = u.has_query();
  out.query.assign(u.encoded_query().data(), u.encoded_query().size());
  out.path = normalizedPathOf(u);
  return out;
}

std::string normalizePath(std::string_view path) {
  auto t = parseRequestTarget(path);
  return t ? t->path : std::string(path);
}

}  // namespace portico::http
