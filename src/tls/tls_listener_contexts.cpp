#include "portico/tls/tls_listener_contexts.h"

#include <spdlog/spdlog.h>

#include <set>
#include <utility>

#include "portico/tls/certificate_source.h"

namespace portico::tls {
namespace {

using Mode = config::ServerTls::Mode;

std::string serverLabel(const route::ServerBinding& server) {
  return "Gateway " + server.gateway + " server " + server.portName;
}

// The settings that go into an SSL_CTX (not httpsRedirect or the YAML position).
bool sameSettings(const config::ServerTls& a, const config::ServerTls& b) {
  return a.mode == b.mode && a.serverCertificate == b.serverCertificate &&
         a.privateKey == b.privateKey && a.caCertificates == b.caCertificates &&
         a.caCrl == b.caCrl && a.credentialName == b.credentialName &&
         a.credentialNames == b.credentialNames && a.subjectAltNames == b.subjectAltNames &&
         a.verifyCertificateSpki == b.verifyCertificateSpki &&
         a.verifyCertificateHash == b.verifyCertificateHash &&
         a.minProtocolVersion == b.minProtocolVersion &&
         a.maxProtocolVersion == b.maxProtocolVersion && a.cipherSuites == b.cipherSuites;
}

}  // namespace

TlsListenerContexts::BuildResult TlsListenerContexts::build(const route::Snapshot& snapshot,
                                                            const Options& options,
                                                            const TlsListenerContexts* previous) {
  BuildResult result;
  auto contexts = std::make_shared<TlsListenerContexts>();
  contexts->options_ = options;
  bool sameOptions = previous != nullptr && previous->options_.http2 == options.http2 &&
                     previous->options_.credentialsDir == options.credentialsDir;

  for (const auto& [port, listener] : snapshot.listeners) {
    std::shared_ptr<const SniSelector> old =
        previous != nullptr ? previous->forPort(port) : nullptr;
    auto findOld = [&](const std::string& label) -> std::shared_ptr<const ServerTlsContext> {
      if (!old) return nullptr;
      for (const auto& s : old->servers()) {
        if (s->label() == label) return s;
      }
      return nullptr;
    };

    std::vector<std::shared_ptr<const ServerTlsContext>> servers;
    for (const route::ServerBinding& binding : listener.servers) {
      if (!terminates(binding)) continue;
      std::string label = serverLabel(binding);
      CertificateSource source(label, *binding.tls, options.credentialsDir);
      std::shared_ptr<const ServerTlsContext> prior = findOld(label);
      bool reusable = prior && sameOptions && prior->hosts() == binding.hosts &&
                      sameSettings(prior->settings(), *binding.tls);

      auto loaded = source.load();
      if (!loaded) {
        if (reusable) {
          result.warnings.push_back(loaded.error() + " (keeping the certificates loaded before)");
          servers.push_back(std::move(prior));
        } else {
          result.errors.push_back(loaded.error());
        }
        continue;
      }
      if (reusable && prior->fingerprint() == loaded->fingerprint) {
        servers.push_back(std::move(prior));
        continue;
      }
      ServerTlsContext::Options serverOptions{options.http2};
      auto context = ServerTlsContext::create(label, binding.hosts, *binding.tls, source.paths(),
                                              std::move(*loaded), serverOptions, result.warnings);
      if (!context) {
        if (reusable) {
          result.warnings.push_back(context.error() + " (keeping the certificates loaded before)");
          servers.push_back(std::move(prior));
        } else {
          result.errors.push_back(context.error());
        }
        continue;
      }
      servers.push_back(std::move(*context));
    }
    if (servers.empty()) continue;

    auto selector =
        SniSelector::create(port, std::move(servers), old ? old->sharedStats() : nullptr);
    if (!selector) {
      result.errors.push_back(selector.error());
      continue;
    }
    contexts->selectors_.emplace(port, std::move(*selector));
  }
  result.contexts = std::move(contexts);
  return result;
}

bool TlsListenerContexts::terminates(const route::ServerBinding& server) {
  return server.tls && (server.tls->mode == Mode::kSimple || server.tls->mode == Mode::kMutual ||
                        server.tls->mode == Mode::kOptionalMutual);
}

TlsListenerContexts::BuildResult TlsListenerContexts::attach(route::Snapshot& snapshot,
                                                             const Options& options,
                                                             const route::Snapshot* previous) {
  BuildResult result =
      build(snapshot, options, previous != nullptr ? previous->tls.get() : nullptr);
  snapshot.tls = result.contexts;
  return result;
}

const route::ServerBinding* TlsListenerContexts::bindingOf(const route::Snapshot& snapshot,
                                                           uint16_t port,
                                                           const ServerTlsContext& server) {
  const route::Listener* listener = snapshot.listener(port);
  if (listener == nullptr) return nullptr;
  // The label is serverLabel(binding): "Gateway <gateway> server <portName>".
  std::string_view label = server.label();
  constexpr std::string_view kGateway = "Gateway ";
  constexpr std::string_view kServer = " server ";
  if (!label.starts_with(kGateway)) return nullptr;
  label.remove_prefix(kGateway.size());
  for (const route::ServerBinding& binding : listener->servers) {
    if (label.size() != binding.gateway.size() + kServer.size() + binding.portName.size()) {
      continue;
    }
    if (label.starts_with(binding.gateway) &&
        label.substr(binding.gateway.size(), kServer.size()) == kServer &&
        label.ends_with(binding.portName)) {
      return &binding;
    }
  }
  return nullptr;
}

std::shared_ptr<const SniSelector> TlsListenerContexts::forPort(uint16_t port) const {
  auto it = selectors_.find(port);
  return it == selectors_.end() ? nullptr : it->second;
}

std::vector<std::filesystem::path> TlsListenerContexts::watchedPaths() const {
  std::set<std::filesystem::path> out;
  for (const auto& [port, selector] : selectors_) {
    for (const auto& server : selector->servers()) {
      const CertificatePaths& p = server->paths();
      for (const std::filesystem::path* path :
           {&p.certificate, &p.privateKey, &p.caCertificates, &p.crl, &p.secondCertificate,
            &p.secondPrivateKey}) {
        if (path->empty()) continue;
        out.insert(*path);
        out.insert(path->parent_path());
      }
    }
  }
  return {out.begin(), out.end()};
}

bool TlsListenerContexts::certificatesChanged() const {
  for (const auto& [port, selector] : selectors_) {
    for (const auto& server : selector->servers()) {
      CertificateSource source(server->label(), server->settings(), options_.credentialsDir);
      auto now = source.fingerprint();
      if (!now || *now != server->fingerprint()) return true;
    }
  }
  return false;
}

}  // namespace portico::tls
