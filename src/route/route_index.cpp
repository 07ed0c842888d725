#include "portico/route/route_index.h"

#include <algorithm>
#include <limits>

namespace portico::route {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
// Below this many regex uris, running them one by one is as fast as a set.
constexpr std::size_t kMinRegexSetSize = 8;
// The set's program and DFA cache; a lookup falls back to one-by-one if it runs out.
constexpr int64_t kRegexSetMemory = 64 << 20;

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

RouteIndex::RouteIndex() = default;
RouteIndex::~RouteIndex() = default;

void RouteIndex::finalize() {
  std::vector<uint32_t> regexIds;
  for (uint32_t id : generic_) {
    if (entries_[id].matcher.path().kind() == PathMatcher::Kind::kRegex) regexIds.push_back(id);
  }
  if (!regexSet_ && regexIds.size() >= kMinRegexSetSize) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kRegexSetMemory);
    auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
    bool ok = true;
    for (uint32_t id : regexIds) {
      std::string error;
      ok = ok && set->Add(entries_[id].matcher.path().value(), &error) >= 0;
    }
    if (ok && set->Compile()) {
      regexSet_ = std::move(set);
      regexSetEntries_ = std::move(regexIds);
      std::erase_if(generic_, [&](uint32_t id) {
        return entries_[id].matcher.path().kind() == PathMatcher::Kind::kRegex;
      });
    }
  }
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
  if (regexSet_ && regexSetEntries_.front() < best) {
    // Reused per thread: no allocation per request once warm.
    thread_local std::vector<int> hits;
    hits.clear();
    RE2::Set::ErrorInfo error{RE2::Set::kNoError};
    if (regexSet_->Match(input.path, &hits, &error)) {
      std::sort(hits.begin(), hits.end());
      for (int hit : hits) {
        uint32_t id = regexSetEntries_[static_cast<std::size_t>(hit)];
        if (id >= best) break;
        if (entries_[id].matcher.conditionsHold(input)) {
          best = id;
          break;
        }
      }
    } else if (error.kind != RE2::Set::kNoError) {
      for (uint32_t id : regexSetEntries_) {
        if (id >= best) break;
        if (entries_[id].matcher.match(input)) {
          best = id;
          break;
        }
      }
    }
  }
  if (best == kNone) return std::nullopt;
  const Entry& entry = entries_[best];
  auto length = entry.matcher.path().match(input.path);
  return Result{entry.route, length.value_or(0)};
}

}  // namespace portico::route
