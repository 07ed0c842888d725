#include "support/configs.h"

namespace portico::testing {

std::string seedGateway(uint16_t port, const std::string& name) {
  return "apiVersion: networking.istio.io/v1alpha3\n"
         "kind: Gateway\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "spec:\n"
         "  selector:\n"
         "    istio: ingressgateway\n"
         "  servers:\n"
         "  - port:\n"
         "      number: " + std::to_string(port) + "\n"
         "      name: http\n"
         "      protocol: HTTP\n"
         "    hosts:\n"
         "    - \"*\"\n"
         "---\n";
}

std::string staticServiceEntry(const std::string& name, const std::string& host,
                               uint16_t servicePort, uint16_t upstreamPort,
                               const std::string& protocol) {
  return "apiVersion: networking.istio.io/v1alpha3\n"
         "kind: ServiceEntry\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "spec:\n"
         "  hosts:\n"
         "  - " + host + "\n"
         "  ports:\n"
         "  - number: " + std::to_string(servicePort) + "\n"
         "    name: http\n"
         "    protocol: " + protocol + "\n"
         "  resolution: STATIC\n"
         "  endpoints:\n"
         "  - address: 127.0.0.1\n"
         "    ports:\n"
         "      http: " + std::to_string(upstreamPort) + "\n"
         "---\n";
}

std::string tlsRouteConfig(uint16_t port, const std::string& pkiDir,
                           const std::string& destination, uint16_t destinationPort) {
  const std::string p = std::to_string(port);
  return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: tls-gw}\n"
         "spec:\n  selector: {istio: ingressgateway}\n  servers:\n"
         "  - port: {number: " + p + ", name: https, protocol: HTTPS}\n"
         "    hosts: [a.example.com]\n"
         "    tls: {mode: SIMPLE, serverCertificate: " + pkiDir + "/a.crt, privateKey: " +
         pkiDir + "/a.key}\n"
         "---\n"
         "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: tls-vs}\n"
         "spec:\n  hosts: [a.example.com]\n  gateways: [tls-gw]\n"
         "  http:\n  - route: [{destination: {host: " + destination +
         ", port: {number: " + std::to_string(destinationPort) + "}}}]\n---\n";
}

std::string singleRouteConfig(uint16_t port, uint16_t upstreamPort) {
  return seedGateway(port) +
         staticServiceEntry("app", "app.default.svc.cluster.local", 80, upstreamPort) +
         "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\n"
         "spec:\n  hosts: [\"*\"]\n  gateways: [product-gateway]\n"
         "  http:\n  - route: [{destination: {host: app, port: {number: 80}}}]\n";
}

std::string repeatedUrls(const std::string& url, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += "url = \"" + url + "\"\noutput = \"/dev/null\"\n";
  return out;
}

}  // namespace portico::testing
