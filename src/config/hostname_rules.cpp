#include "portico/config/hostname_rules.h"

#include <arpa/inet.h>

#include <charconv>
#include <initializer_list>

#include "istio_rules.h"

namespace portico::config {
namespace {

using istio_rules::goQuote;

// Istio's label format admits upper case (host names compare case-insensitively).
bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// "domain name <%q of domain><rest...>", appended piecewise: GCC 12 reports a false -Wrestrict
// on "literal" + std::string temporaries in Release builds.
std::string domainProblem(std::string_view domain, std::initializer_list<std::string_view> rest) {
  std::string out = "domain name ";
  out += goQuote(domain);
  for (std::string_view part : rest) out += part;
  return out;
}

std::string labelInvalid(std::string_view domain, std::string_view label) {
  return domainProblem(domain, {" invalid (label ", goQuote(label), " invalid)"});
}

// Istio's ValidateDNS1123Labels over `labels`, the part of `domain` after any wildcard label.
// Unlike Istio, the message names the whole `domain` the user wrote.
std::optional<std::string> checkLabels(std::string_view domain, std::string_view labels) {
  std::string_view tld = labels.substr(labels.rfind('.') + 1);
  bool numeric = !tld.empty();
  for (char c : tld) numeric = numeric && c >= '0' && c <= '9';
  if (numeric) {
    return domainProblem(domain,
                         {" invalid (top level domain ", goQuote(tld), " cannot be all-numeric)"});
  }
  std::size_t start = 0;
  while (true) {
    std::size_t dot = labels.find('.', start);
    bool last = dot == std::string_view::npos;
    std::string_view label = labels.substr(start, last ? dot : dot - start);
    // A trailing dot (fully-qualified form, "istio.io.") leaves an empty last label.
    if (last && label.empty()) return std::nullopt;
    if (!isDns1123Label(label)) return labelInvalid(domain, label);
    if (last) return std::nullopt;
    start = dot + 1;
  }
}

std::optional<std::string> checkPreconditions(std::string_view domain) {
  if (domain.size() > 255) return domainProblem(domain, {" too long (max 255)"});
  if (domain.empty()) return std::string("empty domain name not allowed");
  return std::nullopt;
}

}  // namespace

bool isDns1123Label(std::string_view v) {
  if (v.empty() || v.size() > 63) return false;
  if (!isAlnum(v.front()) || !isAlnum(v.back())) return false;
  for (char c : v) {
    if (!isAlnum(c) && c != '-') return false;
  }
  return true;
}

bool isWildcardDns1123Label(std::string_view v) {
  if (v == "*") return true;
  if (v.size() > 63) return false;
  if (v.starts_with("*-")) return isDns1123Label(v.substr(2));
  if (v.starts_with("*")) return isDns1123Label(v.substr(1));
  return isDns1123Label(v);
}

std::optional<std::string> checkWildcardDomain(std::string_view host) {
  if (auto e = checkPreconditions(host)) return e;
  // Wildcards only in the left-most label.
  std::size_t dot = host.find('.');
  std::string_view first = host.substr(0, dot);
  if (!isWildcardDns1123Label(first)) return labelInvalid(host, first);
  if (dot == std::string_view::npos) return std::nullopt;
  return checkLabels(host, host.substr(dot + 1));
}

std::optional<std::string> checkFqdn(std::string_view host) {
  if (auto e = checkPreconditions(host)) return e;
  return checkLabels(host, host);
}

bool isIpAddress(std::string_view value) {
  std::string s(value);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool isCidr(std::string_view value) {
  std::size_t slash = value.find('/');
  if (slash == std::string_view::npos) return false;
  std::string addr(value.substr(0, slash));
  std::string_view prefix = value.substr(slash + 1);
  int bits = -1;
  auto [ptr, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
  if (ec != std::errc() || ptr != prefix.data() + prefix.size() || prefix.empty()) return false;
  unsigned char buf[16];
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) return bits >= 0 && bits <= 32;
  if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) return bits >= 0 && bits <= 128;
  return false;
}

bool isUnixAddress(std::string_view value) {
  return value.starts_with("unix://") && value.size() > 7 && (value[7] == '/' || value[7] == '@');
}

}  // namespace portico::config
