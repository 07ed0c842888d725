// One step of reading a message body with a Beast buffer_body parser: feed what the read
// buffer already holds into the parser, decoding at most `capacity` body bytes into `out`.
// Shared by the request and response readers, which differ only in how they refill the
// buffer and treat end of stream.
#pragma once

#include <cstddef>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

namespace portico::http {

struct BodyFeedStep {
  std::size_t bytes = 0;     // body bytes written to `out`
  std::size_t consumed = 0;  // buffer bytes the parser took (framing included)
  bool done = false;         // the message is complete
  boost::system::error_code error;  // malformed framing
};

template <class Parser>
BodyFeedStep feedBufferedBody(Parser& parser, boost::beast::flat_buffer& buffer, char* out,
                              std::size_t capacity) {
  BodyFeedStep step;
  auto& body = parser.get().body();
  body.data = out;
  body.size = capacity;
  step.consumed = parser.put(buffer.data(), step.error);
  buffer.consume(step.consumed);
  step.bytes = capacity - body.size;
  body.data = nullptr;
  if (step.error == boost::beast::http::error::need_buffer ||
      step.error == boost::beast::http::error::need_more) {
    step.error = {};
  }
  step.done = parser.is_done();
  return step;
}

}  // namespace portico::http
