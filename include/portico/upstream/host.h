// One resolved upstream endpoint of a cluster on one worker: its address, the requests
// in flight to it (least-request balancing) and its pools: idle HTTP/1.1 connections and
// multiplexed HTTP/2 ones. Shared by the cluster and the exchanges using it, so a DNS
// refresh can drop it safely.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include "portico/upstream/connection_pool.h"
#include "portico/upstream/host_outlier_state.h"
#include "portico/upstream/http2_connection_pool.h"

namespace portico::upstream {

struct Host {
  Host(boost::asio::ip::tcp::endpoint ep, uint32_t w, std::size_t maxIdle,
       std::chrono::milliseconds idleTimeout)
      : endpoint(ep), weight(w), pool(maxIdle, idleTimeout), http2(idleTimeout) {
    address = ep.address().to_string() + ":" + std::to_string(ep.port());
    if (ep.address().is_v6()) {
      address = "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
    }
  }

  boost::asio::ip::tcp::endpoint endpoint;
  std::string address;  // "ip:port", for %UPSTREAM_HOST%
  uint32_t weight = 1;
  uint32_t activeRequests = 0;
  ConnectionPool pool;
  Http2ConnectionPool http2;  // used by clusters whose protocol is HTTP/2
  HostOutlierState outlier;   // DestinationRule outlierDetection (OutlierDetector)
};

}  // namespace portico::upstream
