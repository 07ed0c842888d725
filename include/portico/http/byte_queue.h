// Body bytes appended at the back and taken from the front, as an HTTP/2 stream buffers
// DATA between nghttp2 and the exchange. Taken bytes are dropped in bulk once they are
// most of the buffer, so taking a piece never moves the rest.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace portico::http {

class ByteQueue {
 public:
  void append(std::string_view data) { buffer_.append(data); }
  std::size_t size() const { return buffer_.size() - offset_; }
  bool empty() const { return size() == 0; }
  // Moves up to `capacity` bytes from the front into `out`; returns how many.
  std::size_t take(void* out, std::size_t capacity);
  void clear() {
    buffer_.clear();
    offset_ = 0;
  }

 private:
  std::string buffer_;
  std::size_t offset_ = 0;  // bytes before it were taken
};

}  // namespace portico::http
