#include "istio_rules.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace portico::config::istio_rules {

std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
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
    std::string mant = s.substr(0, e);
    std::string digits = std::to_string(std::abs(exp));
    if (digits.size() < 2) digits = "0" + digits;
    return mant + "e" + (exp < 0 ? "-" : "+") + digits;
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

bool isLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

// Istio's labels.IsDNS1123Label accepts upper case too ([a-zA-Z0-9](-*[a-zA-Z0-9])*).
bool isDns1123Label(std::string_view s) { return isLabel(s); }

namespace {

std::vector<std::string_view> splitDots(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    if (dot == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, dot - start));
    start = dot + 1;
  }
}

}  // namespace

std::string checkWildcardDomain(std::string_view host) {
  // agent.ValidateWildcardDomain: length, then a leading "*" or "*." is allowed, then FQDN.
  if (host.size() > 255) return "domain name " + goQuote(host) + " too long (max 255)";
  if (host.empty()) return "domain name \"\" invalid (label \"\" invalid)";
  std::string_view rest = host;
  if (rest == "*") return "";
  if (rest.substr(0, 2) == "*.") {
    rest.remove_prefix(2);
  } else if (rest.front() == '*') {
    rest.remove_prefix(1);
    if (rest.empty()) return "";
  }
  // ValidateFQDN allows one trailing dot.
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  for (auto label : splitDots(rest)) {
    if (!isLabel(label)) {
      return "domain name " + goQuote(host) + " invalid (label " + goQuote(label) + " invalid)";
    }
  }
  return "";
}

void checkGatewayReference(const NodeReader& at, const std::string& ref) {
  auto slash = ref.find('/');
  if (slash == std::string::npos) {
    if (ref.find('.') != std::string::npos) {
      auto parts = splitDots(ref);
      at.warning("using legacy gatewayName format " + goQuote(ref) +
                 "; prefer the <namespace>/<name> format: " +
                 goQuote(std::string(parts[0].empty() ? "" : parts[1]) + "/" +
                         std::string(parts[0])));
    }
    std::string err = checkWildcardDomain(ref);
    if (!err.empty() || ref.find('*') != std::string::npos) {
      at.error(err.empty() ? "domain name " + goQuote(ref) + " invalid" : err);
    }
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
  std::string name = ref.substr(0, dot);
  std::string rest = ref.substr(dot + 1);
  return rest.substr(0, rest.find('.')) + "/" + name;
}

std::string lastPathSegment(const std::string& path) {
  std::string seg = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  auto bracket = seg.find('[');
  if (bracket != std::string::npos) seg.resize(bracket);
  return seg;
}

}  // namespace portico::config::istio_rules
