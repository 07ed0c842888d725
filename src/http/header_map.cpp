#include "portico/http/header_map.h"

#include <algorithm>

namespace portico::http {

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void HeaderMap::add(std::string_view name, std::string_view value) {
  entries_.push_back(Entry{toLower(name), std::string(value)});
}

void HeaderMap::set(std::string_view name, std::string_view value) {
  std::string lower = toLower(name);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.name == lower; });
  if (it == entries_.end()) {
    entries_.push_back(Entry{std::move(lower), std::string(value)});
    return;
  }
  it->value.assign(value);
  auto rest = std::remove_if(std::next(it), entries_.end(),
                             [&](const Entry& e) { return e.name == lower; });
  entries_.erase(rest, entries_.end());
}

std::size_t HeaderMap::remove(std::string_view lowerName) {
  auto rest = std::remove_if(entries_.begin(), entries_.end(),
                             [&](const Entry& e) { return e.name == lowerName; });
  std::size_t n = static_cast<std::size_t>(entries_.end() - rest);
  entries_.erase(rest, entries_.end());
  return n;
}

std::optional<std::string_view> HeaderMap::get(std::string_view lowerName) const {
  for (const Entry& e : entries_) {
    if (e.name == lowerName) return std::string_view(e.value);
  }
  return std::nullopt;
}

std::optional<std::string_view> HeaderMap::find(std::string_view lowerName) const {
  const Entry* first = nullptr;
  std::string* joined = nullptr;
  for (const Entry& e : entries_) {
    if (e.name != lowerName) continue;
    if (!first) {
      first = &e;
      continue;
    }
    if (!joined) joined = &joined_.emplace_back(first->value);
    joined->append(",").append(e.value);
  }
  if (!first) return std::nullopt;
  if (joined) return std::string_view(*joined);
  return std::string_view(first->value);
}

}  // namespace portico::http
