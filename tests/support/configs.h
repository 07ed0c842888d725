// YAML building blocks for integration tests, in the seed's shape.
#pragma once

#include <cstdint>
#include <string>

namespace portico::testing {

// The seed's Gateway (`product-gateway`, selector istio=ingressgateway, hosts "*") on `port`.
std::string seedGateway(uint16_t port, const std::string& name = "product-gateway");

// A STATIC ServiceEntry that puts `host`:`servicePort` on 127.0.0.1:`upstreamPort`, its
// port's protocol `protocol` (HTTP, HTTP2, GRPC...).
std::string staticServiceEntry(const std::string& name, const std::string& host,
                               uint16_t servicePort, uint16_t upstreamPort,
                               const std::string& protocol = "HTTP");

// A Gateway terminating TLS (SIMPLE, ALPN h2 and http/1.1) on `port` for a.example.com with
// `pkiDir`/a.crt and a.key (tls_pki.h), and a VirtualService sending all of that host's
// requests to `destination`:`destinationPort`.
std::string tlsRouteConfig(uint16_t port, const std::string& pkiDir,
                           const std::string& destination, uint16_t destinationPort);

// The seed Gateway on `port`, plus one VirtualService sending every request to the service
// `app` (port 80), which lives on 127.0.0.1:`upstreamPort`.
std::string singleRouteConfig(uint16_t port, uint16_t upstreamPort);

// A curl config file body that requests `url` `count` times on one keep-alive connection,
// discarding bodies (use with -w to print per-transfer values).
std::string repeatedUrls(const std::string& url, int count);

}  // namespace portico::testing
