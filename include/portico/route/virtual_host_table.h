// Picks the virtual host for a request's Host/:authority on one listener, as Envoy
// does: exact domain, then the longest `*.suffix` wildcard, then `*`. Port ignored,
// case-insensitive.
#pragma once

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
  std::vector<std::unique_ptr<VirtualHost>> vhosts_;
  std::unordered_map<std::string, const VirtualHost*> exact_;
  // "*.example.com" stored as ".example.com", longest first.
  std::vector<std::pair<std::string, const VirtualHost*>> suffixes_;
  const VirtualHost* any_ = nullptr;
};

}  // namespace portico::route
