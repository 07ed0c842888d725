// Last filter: checks the picked destination names a known cluster (503 NC otherwise) and
// hands the stream to the upstream side (core::UpstreamExchange), which takes a pooled
// connection, streams the request and runs the response head back through the chain.
#pragma once

#include "portico/filter/filter.h"

namespace portico::filter {

class RouterFilter final : public Filter {
 public:
  FilterStatus decodeHeaders(StreamContext& ctx) noexcept override;
};

}  // namespace portico::filter
