// Every terminating TLS listener of one route::Snapshot: an SniSelector per port, built off
// the workers (config load or the reload watcher) and published as
// shared_ptr<const TlsListenerContexts> next to the snapshot.
//
// Rotation (cert-manager rewriting files, or Kubernetes swapping a mounted secret's
// ..data symlink): the watcher watches watchedPaths(); when something there changes (or on
// its poll tick) it calls certificatesChanged(), which re-hashes the files and compares with
// the fingerprints loaded. If they differ it calls build(snapshot, options, current.get()) and
// publishes the result. build() reuses every ServerTlsContext whose settings and fingerprint
// are unchanged (so their TLS sessions keep resuming), keeps the previous context of a
// server whose new files fail to load (a half-written rotation must not take a host down),
// and carries each port's TlsStats over. Connections already established keep the SSL_CTX
// they hold a reference to and are never dropped; new handshakes use the new contexts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "portico/route/snapshot.h"
#include "portico/tls/sni_selector.h"

namespace portico::tls {

class TlsListenerContexts {
 public:
  struct Options {
    std::filesystem::path credentialsDir = "/etc/portico/credentials";  // --credentials-dir
    bool http2 = false;  // offer h2 in ALPN on TLS listeners (once the HTTP/2 codec serves it)
  };

  struct BuildResult {
    std::shared_ptr<const TlsListenerContexts> contexts;  // never null
    std::vector<std::string> errors;    // servers left out (their SNI names fail handshakes)
    std::vector<std::string> warnings;  // ignored cipher suites, kept previous certificates
  };

  // Terminating servers are those with tls.mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL on any
  // listener; PASSTHROUGH and plain servers are not here. `previous`: the contexts
  // currently published (for reuse and stats), or nullptr on the first load.
  static BuildResult build(const route::Snapshot& snapshot, const Options& options,
                           const TlsListenerContexts* previous = nullptr);

  // build() for a snapshot not yet published, stored in snapshot.tls. `previous`: the
  // snapshot published now (its contexts are reused where nothing changed), or nullptr.
  // This is what startup and every reload (config change or certificate change) call.
  static BuildResult attach(route::Snapshot& snapshot, const Options& options,
                            const route::Snapshot* previous);

  // The binding in `snapshot` of the Gateway server `server` was built for (same Gateway
  // and port name) on `port`; nullptr when that snapshot no longer has it. Allocation-free:
  // the data plane calls it per request on TLS connections to scope routing.
  static const route::ServerBinding* bindingOf(const route::Snapshot& snapshot, uint16_t port,
                                               const ServerTlsContext& server);

  // SIMPLE, MUTUAL or OPTIONAL_MUTUAL: this module terminates the server's TLS.
  static bool terminates(const route::ServerBinding& server);

  // The selector of a port; nullptr when the port terminates no TLS (or all of its servers
  // failed to load: then the data plane closes connections on it).
  std::shared_ptr<const SniSelector> forPort(uint16_t port) const;
  const std::map<uint16_t, std::shared_ptr<const SniSelector>>& selectors() const {
    return selectors_;
  }

  // Files to watch and their directories (a mounted secret changes by a rename in the dir).
  std::vector<std::filesystem::path> watchedPaths() const;
  // Whether any server's files now hash differently from what it loaded (or cannot be
  // read while they could). Reads files: call it on the watcher thread, not on a worker.
  bool certificatesChanged() const;

 private:
  std::map<uint16_t, std::shared_ptr<const SniSelector>> selectors_;
  Options options_;
};

}  // namespace portico::tls
