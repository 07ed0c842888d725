// Header fields as nghttp2 takes them at submission, for both session wrappers.
#pragma once

#include <nghttp2/nghttp2.h>

#include <vector>

#include "portico/http2/session.h"

namespace portico::http2 {

// Views only: nghttp2 copies names and values when a frame is submitted.
std::vector<nghttp2_nv> toNv(const std::vector<HeaderField>& fields);

}  // namespace portico::http2
