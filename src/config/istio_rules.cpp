#include "istio_rules.h"

#include <re2/re2.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "portico/config/hostname_rules.h"

namespace portico::config::istio_rules {

std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string goFloatV(double v) {
  // Go's %v is strconv 'g' with the shortest precision and an exponent when exp < -4 || exp >= 21.
  if (v == 0) return "0";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, sci.ptr);
  auto e = s.find('e');
  int exp = std::stoi(s.substr(e + 1));
  if (exp < -4 || exp >= 21) {
    // Go writes at least two exponent digits: 1e-05, 1e+21.
    std::string digits = std::to_string(std::abs(exp));
    if (digits.size() < 2) digits = "0" + digits;
    return s.substr(0, e) + "e" + (exp < 0 ? "-" : "+") + digits;
  }
  auto fix = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, fix.ptr);
}

std::string goFloatF(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

bool isHeaderToken(std::string_view name) {
  if (name.empty()) return false;
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              kSpecials.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

bool wildcarded(std::string_view h) { return !h.empty() && h.front() == '*'; }
bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string checkHeaderValue(std::string_view value) {
  for (unsigned char c : value) {
    if ((c <= 0x08) || (c >= 0x0a && c <= 0x1f) || c == 0x7f) {
      return "header value configuration " + std::string(value) + " is invalid";
    }
  }
  // Port of Istio's validateHeaderValue (itself Envoy's header_parser.cc state machine).
  enum class State {
    kLiteral,
    kVarName,
    kExpectArray,
    kExpectString,
    kString,
    kExpectDelimOrEnd,
    kExpectArgsEnd,
    kExpectVarEnd
  };
  const std::string prefix = "header value configuration: invalid header configuration. ";
  State state = State::kLiteral;
  auto space = [](char c) { return c == ' '; };
  for (std::size_t pos = 0; pos < value.size(); ++pos) {
    char ch = value[pos];
    bool hasNext = pos + 1 < value.size();
    switch (state) {
      case State::kLiteral:
        if (ch != '%') break;
        if (!hasNext) return prefix + "Un-escaped %";
        if (value[pos + 1] == '%') {
          ++pos;
          break;
        }
        state = State::kVarName;
        break;
      case State::kVarName:
        if (ch == '%')
          state = State::kLiteral;
        else if (ch == '(')
          state = State::kExpectArray;
        break;
      case State::kExpectArray:
        if (ch == '[')
          state = State::kExpectString;
        else if (!space(ch))
          state = State::kString;
        break;
      case State::kExpectDelimOrEnd:
        if (ch == ',')
          state = State::kExpectString;
        else if (ch == ']')
          state = State::kExpectArgsEnd;
        else if (!space(ch))
          return prefix + "Expecting ',', ']', or whitespace";
        break;
      case State::kExpectString:
        if (ch == '"')
          state = State::kString;
        else if (!space(ch))
          return prefix + "Expecting '\"'";
        break;
      case State::kString:
        if (ch == '\\') {
          if (!hasNext) return prefix + "Un-terminated backslash in JSON string";
          ++pos;
        } else if (ch == ')') {
          state = State::kExpectVarEnd;
        } else if (ch == '"') {
          state = State::kExpectDelimOrEnd;
        }
        break;
      case State::kExpectArgsEnd:
        if (ch == ')')
          state = State::kExpectVarEnd;
        else if (!space(ch))
          return prefix + "Expecting ')' or whitespace after '{}', but found '{}'";
        break;
      case State::kExpectVarEnd:
        if (ch == '%')
          state = State::kLiteral;
        else if (!space(ch))
          return prefix + "Expecting '%' or whitespace after";
        break;
    }
  }
  if (state != State::kLiteral) {
    return prefix + "Un-terminated variable expression '" + std::string(value) + "'";
  }
  return "";
}

std::string checkIpSubnet(std::string_view subnet) {
  boost::system::error_code ec;
  std::string s(subnet);
  if (s.find('/') != std::string::npos) {
    if (s.find(':') != std::string::npos) {
      boost::asio::ip::make_network_v6(s, ec);
    } else {
      boost::asio::ip::make_network_v4(s, ec);
    }
    return ec ? goQuote(subnet) + " is not a valid CIDR range" : "";
  }
  return isIpAddress(s) ? "" : goQuote(subnet) + " is not a valid IP";
}

bool checkRegexSyntax(const NodeReader& node, std::string_view key, std::string_view where,
                      const std::string& regex) {
  // Envoy bounds RE2 program size; Istio approximates that by the pattern's length.
  if (regex.size() > 1024) {
    node.errorAt(key, goQuote(where) + ": regex is too large, max length allowed is 1024");
    return false;
  }
  RE2 re(regex, RE2::Quiet);
  if (!re.ok()) {
    node.errorAt(key, goQuote(regex) + ": invalid RE2: " + re.error() +
                          "; Istio uses RE2 style regex-based match "
                          "(https://github.com/google/re2/wiki/Syntax)");
    return false;
  }
  return true;
}

void checkGatewayReference(const NodeReader& at, const std::string& ref) {
  auto slash = ref.find('/');
  if (slash == std::string::npos) {
    if (ref == "mesh") return;
    if (ref.find('.') != std::string::npos) {
      auto parts = split(ref, '.');
      at.warning("using legacy gatewayName format " + goQuote(ref) +
                 "; prefer the <namespace>/<name> format: " +
                 goQuote(std::string(parts[1]) + "/" + std::string(parts[0])));
    }
    if (auto err = checkFqdn(ref)) at.error(*err);
    return;
  }
  std::string ns = ref.substr(0, slash);
  std::string name = ref.substr(slash + 1);
  if (ns.empty() || name.empty()) at.error("config namespace and gateway name cannot be empty");
  if (!isDns1123Label(ns)) at.error("invalid value for namespace: " + goQuote(ns));
  if (!isDns1123Label(name)) at.error("invalid value for gateway name: " + goQuote(name));
}

std::string normaliseGatewayReference(const std::string& ref, const std::string& ns) {
  if (ref == "mesh") return ref;
  if (ref.find('/') != std::string::npos) return ref;
  auto dot = ref.find('.');
  if (dot == std::string::npos) return ns + "/" + ref;
  // Legacy "name.namespace.svc.cluster.local" (Istio resolveGatewayName).
  std::string rest = ref.substr(dot + 1);
  return rest.substr(0, rest.find('.')) + "/" + ref.substr(0, dot);
}

bool hostsOverlap(std::string_view a, std::string_view b) {
  if (wildcarded(a)) {
    if (wildcarded(b)) {
      return a.size() < b.size() ? endsWith(b.substr(1), a.substr(1))
                                 : endsWith(a.substr(1), b.substr(1));
    }
    return endsWith(b, a.substr(1));
  }
  if (wildcarded(b)) return endsWith(a, b.substr(1));
  return a == b;
}

bool hostSubsetOf(std::string_view sub, std::string_view of) {
  if (wildcarded(sub)) return wildcarded(of) && endsWith(sub.substr(1), of.substr(1));
  if (wildcarded(of)) return endsWith(sub, of.substr(1));
  return sub == of;
}

std::string lastPathSegment(const std::string& path) {
  auto dot = path.rfind('.');
  std::string seg = dot == std::string::npos ? path : path.substr(dot + 1);
  auto bracket = seg.find('[');
  if (bracket != std::string::npos) seg.resize(bracket);
  return seg;
}

}  // namespace portico::config::istio_rules
