// Counters of one TLS listener port. Workers increment them concurrently (relaxed atomics);
// the admin endpoint and tests read them. One instance per port lives across config and
// certificate reloads: TlsListenerContexts::build() hands the previous port's stats on.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace portico::tls {

// Stats are data (STYLE.md habit 9): one list, expanded for the fields and for dumping.
// clang-format off
#define PORTICO_TLS_STATS(COUNTER)                                                           \
  COUNTER(handshakes)             /* completed handshakes */                                \
  COUNTER(handshake_failures)     /* any handshake that did not complete (incl. below) */   \
  COUNTER(no_server_for_sni)      /* no server on the port accepts the SNI (or no SNI) */   \
  COUNTER(client_cert_rejected)   /* client certificate failed verification or pinning */   \
  COUNTER(sessions_reused)        /* resumed from a ticket or the session cache */          \
  COUNTER(alpn_h2)                /* ALPN chose h2 */                                        \
  COUNTER(alpn_http11)            /* ALPN chose http/1.1 */                                  \
  COUNTER(alpn_none)              /* the client offered no protocol we speak */
// clang-format on

struct TlsStats {
#define PORTICO_TLS_STAT_FIELD(name) std::atomic<uint64_t> name{0};
  PORTICO_TLS_STATS(PORTICO_TLS_STAT_FIELD)
#undef PORTICO_TLS_STAT_FIELD

  // Calls fn(name, value) for every counter, in list order (admin /stats, tests).
  template <class Fn>
  void forEach(Fn&& fn) const {
#define PORTICO_TLS_STAT_VISIT(name) \
  fn(std::string_view(#name), name.load(std::memory_order_relaxed));
    PORTICO_TLS_STATS(PORTICO_TLS_STAT_VISIT)
#undef PORTICO_TLS_STAT_VISIT
  }
};

inline void bump(std::atomic<uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace portico::tls
