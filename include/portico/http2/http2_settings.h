// What the HTTP/2 codec advertises and the abuse limits it enforces, per connection.
// Lives in ServerOptions; the header-list limit is derived from the HTTP/1.1 CodecLimits.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace portico::http2 {

struct Http2Settings {
  uint32_t maxConcurrentStreams = 100;         // SETTINGS_MAX_CONCURRENT_STREAMS
  uint32_t initialStreamWindow = 256 * 1024;   // SETTINGS_INITIAL_WINDOW_SIZE
  uint32_t connectionWindow = 1024 * 1024;     // our receive window for the whole connection
  std::size_t maxHeaderListBytes = 76 * 1024;  // SETTINGS_MAX_HEADER_LIST_SIZE; 431 above
  // Rapid reset (CVE-2023-44487): more than `maxPrematureResets` streams reset by the client
  // before their response completed, within any `resetWindow`, earn GOAWAY(ENHANCE_YOUR_CALM).
  uint32_t maxPrematureResets = 100;
  std::chrono::milliseconds resetWindow{10000};
};

}  // namespace portico::http2
