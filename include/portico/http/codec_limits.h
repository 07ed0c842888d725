// Per-listener limits the HTTP/1.1 codec enforces on what clients send.
#pragma once

#include <chrono>
#include <cstddef>

namespace portico::http {

struct CodecLimits {
  std::size_t maxRequestLineBytes = 16 * 1024;         // longer: 414
  std::size_t maxHeaderBytes = 60 * 1024;              // header block after the request line; 431
  std::chrono::milliseconds headerTimeout{10000};      // first byte to end of head; 408
  std::chrono::milliseconds idleTimeout{3600 * 1000};  // keep-alive wait for a first byte
};

}  // namespace portico::http
