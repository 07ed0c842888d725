// The steps every stream takes whatever protocol carried it, so that HTTP/1.1 connections
// and HTTP/2 streams run one filter chain the same way: proxy headers, the request filters
// (with their delays), and the access-log line.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <random>
#include <string_view>

#include "portico/core/access_log.h"
#include "portico/core/stream.h"

namespace portico::core {

class DownstreamTransport;
class Worker;

// x-forwarded-for (appended), x-forwarded-proto (the connection's scheme), x-request-id.
void addProxyHeaders(Stream& stream, std::string_view remoteAddress, std::mt19937& rng);
// Runs the filter chain on the request head, waiting out resumeAfter() delays. Afterwards
// the stream has a local reply, or is to be forwarded, or neither (a filter bug).
boost::asio::awaitable<void> runRequestFilters(Stream& stream,
                                               boost::asio::any_io_executor executor);
// One access-log line; `protocol` as Envoy prints it ("HTTP/1.1", "HTTP/2").
// TLS (HTTP/1.1 and h2 alike): scopes routing to the server the SNI chose; false, with a 421
// local reply, when the Host is not one of its hosts or a reload removed that server.
bool scopeToTlsServer(DownstreamTransport& transport, Stream& stream, uint16_t listenerPort);

// The stream's end: Istio's request metrics on the worker's own series, then the
// access-log line (`protocol` as the log shows it: HTTP/1.0, HTTP/1.1, HTTP/2).
void logStream(Worker& worker, Stream& stream, std::string_view protocol);

}  // namespace portico::core
