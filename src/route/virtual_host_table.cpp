#include "portico/route/virtual_host_table.h"

#include <array>

#include "portico/route/string_matcher.h"

namespace portico::route {
namespace {

// "example.com:8080" -> "example.com", "[::1]:80" -> "[::1]".
std::string_view stripPort(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  auto colon = authority.rfind(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

}  // namespace

void VirtualHostTable::add(std::unique_ptr<VirtualHost> vhost) {
  const VirtualHost* raw = vhost.get();
  for (const auto& domain : vhost->domains()) {
    // The first virtual host to claim a domain keeps it, as Envoy rejects duplicates.
    if (domain == "*") {
      if (any_ == nullptr) any_ = raw;
    } else if (domain.starts_with("*.")) {
      suffixes_.emplace(domain.substr(1), raw);
    } else {
      exact_.emplace(domain, raw);
    }
  }
  vhosts_.push_back(std::move(vhost));
}

const VirtualHost* VirtualHostTable::find(std::string_view authority) const {
  std::string_view host = stripPort(authority);
  // Lower-case into a stack buffer: no allocation for any sane host name.
  std::array<char, 256> buffer;
  std::string heap;
  char* lower = buffer.data();
  if (host.size() > buffer.size()) {
    heap.resize(host.size());
    lower = heap.data();
  }
  for (std::size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  std::string_view key(lower, host.size());

  if (!exact_.empty()) {
    if (auto it = exact_.find(key); it != exact_.end()) return it->second;
  }
  if (!suffixes_.empty()) {
    // Skip the first label: "*.example.com" does not match "example.com" itself.
    for (auto dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.', dot + 1)) {
      if (auto it = suffixes_.find(key.substr(dot)); it != suffixes_.end()) return it->second;
    }
  }
  return any_;
}

}  // namespace portico::route
