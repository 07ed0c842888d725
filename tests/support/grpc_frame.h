// gRPC's length-prefixed message framing, shared by the test client library and the
// portico_test_h2_upstream executable (header-only: the upstream links no test support).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portico::testing {

// Flag 0 (uncompressed), 4-byte big-endian length, payload.
inline std::string grpcFrame(std::string_view message) {
  std::string out(5, '\0');
  const auto n = static_cast<uint32_t>(message.size());
  out[1] = static_cast<char>(n >> 24);
  out[2] = static_cast<char>(n >> 16);
  out[3] = static_cast<char>(n >> 8);
  out[4] = static_cast<char>(n);
  out.append(message);
  return out;
}

// Takes the next whole message off the front of `buffer`, if one is complete.
inline std::optional<std::string> takeGrpcMessage(std::string& buffer) {
  if (buffer.size() < 5) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer.data());
  const uint64_t n = (uint64_t{p[1]} << 24) | (uint64_t{p[2]} << 16) | (uint64_t{p[3]} << 8) | p[4];
  if (buffer.size() < 5 + n) return std::nullopt;
  std::string message = buffer.substr(5, n);
  buffer.erase(0, 5 + n);
  return message;
}

}  // namespace portico::testing
