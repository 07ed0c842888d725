// FNV-1a, 64 bit: a content fingerprint for the config version shown in /config_dump,
// /stats and logs. Not a security hash.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace portico::config {

class ContentHash {
 public:
  void add(std::string_view data) {
    for (unsigned char c : data) {
      hash_ ^= c;
      hash_ *= 1099511628211ull;
    }
    hash_ ^= 0xff;  // separator, so ("ab","c") and ("a","bc") differ
    hash_ *= 1099511628211ull;
  }
  std::string hex() const {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash_));
    return buffer;
  }

 private:
  uint64_t hash_ = 14695981039346656037ull;
};

}  // namespace portico::config
