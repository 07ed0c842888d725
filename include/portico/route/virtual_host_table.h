// Picks the virtual host for a request's Host/:authority on one listener, as Envoy
// does: exact domain, then the longest `*.suffix` wildcard, then `*`. Port ignored,
// case-insensitive.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "portico/route/virtual_host.h"

namespace portico::route {

class VirtualHostTable {
 public:
  // Adds a virtual host under each of its domains (lower-cased by the compiler).
  void add(std::unique_ptr<VirtualHost> vhost);
  // Nullptr: no virtual host serves this authority (404).
  const VirtualHost* find(std::string_view authority) const;
  const std::vector<std::unique_ptr<VirtualHost>>& virtualHosts() const { return vhosts_; }

 private:
  // Heterogeneous lookup: find() probes with string_views into the request's authority.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, const VirtualHost*, Hash, std::equal_to<>>;

  std::vector<std::unique_ptr<VirtualHost>> vhosts_;
  Map exact_;
  // "*.example.com" stored as ".example.com"; find() probes each dot suffix of the host,
  // longest first, so the longest wildcard wins in one hash probe per label.
  Map suffixes_;
  const VirtualHost* any_ = nullptr;
};

}  // namespace portico::route
