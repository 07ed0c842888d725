#include "portico/http/byte_queue.h"

#include <algorithm>
#include <cstring>

namespace portico::http {

std::size_t ByteQueue::take(void* out, std::size_t capacity) {
  std::size_t n = std::min(capacity, size());
  std::memcpy(out, buffer_.data() + offset_, n);
  offset_ += n;
  if (offset_ == buffer_.size()) {
    clear();
  } else if (offset_ > 64 * 1024 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return n;
}

}  // namespace portico::http
