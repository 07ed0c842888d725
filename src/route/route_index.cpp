#include "portico/route/route_index.h"

#include <algorithm>
#include <limits>

namespace portico::route {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

inline char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

RouteIndex::Trie::Trie() { nodes_.emplace_back(); }

void RouteIndex::Trie::insert(std::string_view key, uint32_t entry, bool exact) {
  uint32_t node = 0;
  for (char c : key) {
    auto& children = nodes_[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), c,
                               [](const auto& child, char ch) { return child.first < ch; });
    if (it != children.end() && it->first == c) {
      node = it->second;
      continue;
    }
    auto next = static_cast<uint32_t>(nodes_.size());
    children.insert(it, {c, next});
    nodes_.emplace_back();  // invalidates `children`; not used again this iteration
    node = next;
  }
  (exact ? nodes_[node].exactEntries : nodes_[node].prefixEntries).push_back(entry);
}

void RouteIndex::Trie::shrink() {
  nodes_.shrink_to_fit();
  for (auto& node : nodes_) {
    node.children.shrink_to_fit();
    node.prefixEntries.shrink_to_fit();
    node.exactEntries.shrink_to_fit();
  }
}

void RouteIndex::Trie::scan(std::string_view path, bool fold, const std::vector<Entry>& entries,
                            const MatchInput& input, uint32_t& best) const {
  // Entry lists are ascending, so the first entry that holds is the best of its list, and
  // nothing at or past the current best can improve on it.
  auto scanList = [&](const std::vector<uint32_t>& list) {
    for (uint32_t id : list) {
      if (id >= best) return;
      if (entries[id].matcher.conditionsHold(input)) {
        best = id;
        return;
      }
    }
  };
  const Node* node = &nodes_[0];
  scanList(node->prefixEntries);
  std::size_t depth = 0;
  for (; depth < path.size(); ++depth) {
    char c = fold ? lowerAscii(path[depth]) : path[depth];
    const auto& children = node->children;
    auto it = std::lower_bound(children.begin(), children.end(), c,
                               [](const auto& child, char ch) { return child.first < ch; });
    if (it == children.end() || it->first != c) break;
    node = &nodes_[it->second];
    scanList(node->prefixEntries);
  }
  if (depth == path.size()) scanList(node->exactEntries);
}

void RouteIndex::add(uint32_t route, RequestMatcher matcher) {
  auto id = static_cast<uint32_t>(entries_.size());
  const PathMatcher& path = matcher.path();
  switch (path.kind()) {
    case PathMatcher::Kind::kExact:
    case PathMatcher::Kind::kPrefix: {
      bool exact = path.kind() == PathMatcher::Kind::kExact;
      (path.ignoreCase() ? folded_ : caseSensitive_).insert(path.value(), id, exact);
      break;
    }
    case PathMatcher::Kind::kRegex:
    case PathMatcher::Kind::kAny:
      generic_.push_back(id);
      break;
  }
  entries_.push_back(Entry{route, std::move(matcher)});
}

void RouteIndex::shrink() {
  entries_.shrink_to_fit();
  generic_.shrink_to_fit();
  caseSensitive_.shrink();
  folded_.shrink();
}

std::optional<RouteIndex::Result> RouteIndex::find(const MatchInput& input) const {
  uint32_t best = kNone;
  caseSensitive_.scan(input.path, false, entries_, input, best);
  if (!folded_.empty()) folded_.scan(input.path, true, entries_, input, best);
  for (uint32_t id : generic_) {
    if (id >= best) break;
    if (entries_[id].matcher.match(input)) {
      best = id;
      break;
    }
  }
  if (best == kNone) return std::nullopt;
  const Entry& entry = entries_[best];
  auto length = entry.matcher.path().match(input.path);
  return Result{entry.route, length.value_or(0)};
}

}  // namespace portico::route
