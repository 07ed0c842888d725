// The match index of one virtual host. Every match block is an entry, numbered in
// precedence order; the lowest-numbered entry whose conditions hold wins. Exact and prefix
// uri conditions are stored in a character trie (one case-sensitive, one folded for
// ignoreUriCase), so a lookup walks the request path once and only evaluates the entries
// hanging off the nodes it passes; regex and no-uri entries are evaluated in order. Lookup
// cost therefore depends on the path length and on how many routes share a prefix, not
// on the number of routes in the host. Many regex uris are compiled into one RE2::Set at
// finalize(), so they cost one automaton pass instead of one regex run each.
#pragma once

#include <re2/set.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/route/match_input.h"
#include "portico/route/request_matcher.h"

namespace portico::route {

class RouteIndex {
 public:
  struct Result {
    uint32_t route = 0;
    uint32_t matchedPathLength = 0;
  };

  RouteIndex();
  ~RouteIndex();

  // Entries must be added in precedence order.
  void add(uint32_t route, RequestMatcher matcher);
  // Builds the regex set and releases spare capacity. The index answers correctly without
  // it, only slower for regex-heavy hosts.
  void finalize();

  std::optional<Result> find(const MatchInput& input) const;

  std::size_t entryCount() const { return entries_.size(); }
  // Entries found without evaluating them one by one (trie or regex set).
  std::size_t indexedCount() const { return entries_.size() - generic_.size(); }

 private:
  struct Entry {
    uint32_t route;
    RequestMatcher matcher;
  };
  struct Node {
    std::vector<std::pair<char, uint32_t>> children;  // sorted by character
    std::vector<uint32_t> prefixEntries;              // ascending entry ids
    std::vector<uint32_t> exactEntries;
  };
  class Trie {
   public:
    Trie();
    void insert(std::string_view key, uint32_t entry, bool exact);
    void shrink();
    // Lowers `best` to the first entry on the path of `path` whose conditions hold.
    void scan(std::string_view path, bool fold, const std::vector<Entry>& entries,
              const MatchInput& input, uint32_t& best) const;
    bool empty() const {
      return nodes_.size() == 1 && nodes_[0].prefixEntries.empty() &&
             nodes_[0].exactEntries.empty();
    }

   private:
    std::vector<Node> nodes_;
  };

  std::vector<Entry> entries_;
  Trie caseSensitive_;
  Trie folded_;                    // ignoreUriCase exact/prefix, keys lower-cased
  std::vector<uint32_t> generic_;  // regex and no-uri entries, ascending
  std::unique_ptr<RE2::Set> regexSet_;
  std::vector<uint32_t> regexSetEntries_;  // set pattern index -> entry id, ascending
};

}  // namespace portico::route
