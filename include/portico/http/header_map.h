// The header list of one request or response head, in arrival order, names lower-cased
// on insertion so that lookups never fold case. Owned by its RequestHead/ResponseHead.
#pragma once

#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/route/match_input.h"

namespace portico::http {

class HeaderMap final : public route::HeaderSource {
 public:
  struct Entry {
    std::string name;  // lower-case
    std::string value;
  };

  // Appends; `name` is lower-cased.
  void add(std::string_view name, std::string_view value);
  // Replaces every entry named `name` with one entry (appended if absent).
  void set(std::string_view name, std::string_view value);
  // Removes every entry named `lowerName`; returns how many were removed.
  std::size_t remove(std::string_view lowerName);
  // First value of `lowerName`.
  std::optional<std::string_view> get(std::string_view lowerName) const;
  bool has(std::string_view lowerName) const { return get(lowerName).has_value(); }
  // Repeated headers joined with "," (route::HeaderSource).
  std::optional<std::string_view> find(std::string_view lowerName) const override;

  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
  // Storage for joined values handed out by find(); lives as long as the map.
  mutable std::list<std::string> joined_;
};

// ASCII lower-case copy.
std::string toLower(std::string_view s);
// Case-insensitive comparison of ASCII strings.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace portico::http
