# Shared parts of the whole-process benchmarks (sourced by bench/*_bench.sh): build, scratch
# directory and process cleanup, free ports, the nginx upstream, CPU accounting and one
# measured wrk run. Every process a bench starts goes into PIDS and is killed by pid on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh bench >/dev/null
scripts/build.sh >/dev/null

WORK=$(mktemp -d /tmp/portico-bench-XXXXXX)
PIDS=()
bench_cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$WORK"; }
trap bench_cleanup EXIT
CLK=$(getconf CLK_TCK)

# free_ports N: N distinct free loopback ports, all bound at once so the kernel cannot hand
# one out twice.
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# start_upstream PORT: nginx, 1 worker, a fixed 2-byte answer (never the bottleneck).
start_upstream() {
  mkdir -p "$WORK/up"
  cat > "$WORK/up/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/up/nginx.pid; error_log $WORK/up/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$1; location / { return 200 "ok"; } } }
CONF
  nginx -c "$WORK/up/nginx.conf" -p "$WORK/up" & PIDS+=($!)
}

# start_portico NAME CONFIG_FILE ADMIN_PORT: the Release binary, one worker, no access log.
# Sets PORTICO_PID.
start_portico() {
  build/release/portico -c "$2" --concurrency 1 --access-log off \
    --admin-address "127.0.0.1:$3" --bind-address 127.0.0.1 --log-level warn \
    > "$WORK/$1.log" 2>&1 & PIDS+=($!)
  PORTICO_PID=$!
}

# portico_upstream_config PORT UPSTREAM_PORT [TLS_PORT CERT KEY]: the benchmark route on PORT
# (and on TLS_PORT, if given): prefix /products, rewrite to /, one request header set, one
# upstream (VirtualService default/bench).
portico_upstream_config() {
  portico_gateway_config "$@"
  portico_route_config bench '"*"'
}

# portico_gateway_config PORT UPSTREAM_PORT [TLS_PORT CERT KEY]: the Gateway `bench` on PORT
# (plain HTTP) and, if given, on TLS_PORT (HTTPS, mode SIMPLE with the PEM files CERT and KEY;
# ALPN offers h2), and the upstream `up`.
portico_gateway_config() {
  cat <<CONF
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: $1, name: http, protocol: HTTP}
    hosts: ["*"]
CONF
  if [ $# -ge 5 ]; then
    cat <<CONF
  - port: {number: $3, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, serverCertificate: $4, privateKey: $5}
CONF
  fi
  cat <<CONF
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: up}
spec:
  hosts: [up.default.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {http: $2}}]
CONF
}

# portico_route_config NAME HOSTS: the benchmark route as VirtualService default/NAME for
# HOSTS (a YAML flow list body, e.g. '"*"' or 'a.example').
portico_route_config() {
  cat <<CONF
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: $1}
spec:
  hosts: [$2]
  gateways: [bench]
  http:
  - match: [{uri: {prefix: /products}}]
    rewrite: {uri: /}
    route: [{destination: {host: up, port: {number: 80}}}]
    headers: {request: {set: {x-bench: "1"}}}
CONF
}

cpu_ticks() {  # sum of utime+stime over the given pids and all their threads
  local total=0
  for pid in "$@"; do
    for task in /proc/$pid/task/*/stat; do
      read -r -a f < "$task" || continue
      total=$((total + f[13] + f[14]))
    done
  done
  echo $total
}

# self_signed_cert DIR: DIR/bench.crt and DIR/bench.key, a self-signed ECDSA P-256 certificate
# for 127.0.0.1 and localhost, valid for a day (the one certificate every proxy serves).
self_signed_cert() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$1/bench.key" -out "$1/bench.crt" 2>/dev/null
}

# nginx_pids MASTER: the master and its workers.
nginx_pids() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }
# cpu_us_per_request TICKS_BEFORE TICKS_AFTER REQUESTS
cpu_us_per_request() { python3 -c "print(f'{($2-$1)*1e6/$CLK/max($3,1):.1f}')"; }

# measure URL DURATION CONNECTIONS PIDS...: a 2 s warm-up, then one measured wrk run, with
# the wrk options in the WRK_ARGS array if set (e.g. WRK_ARGS=(-H "Host: a.example")).
# Sets RPS, P50, P99, CPU_US (CPU time of PIDS per request), NON2XX (the wrk line, if any).
WRK_ARGS=()
measure() {
  local url=$1 duration=$2 conns=$3
  shift 3
  wrk -t1 -c"$conns" -d2s "${WRK_ARGS[@]}" "$url" >/dev/null
  local before after out reqs
  before=$(cpu_ticks "$@")
  out=$(wrk -t1 -c"$conns" -d"${duration}s" --latency "${WRK_ARGS[@]}" "$url")
  after=$(cpu_ticks "$@")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  RPS=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  P50=$(echo "$out" | awk '$1=="50%" {print $2}')
  P99=$(echo "$out" | awk '$1=="99%" {print $2}')
  NON2XX=$(echo "$out" | awk '/Non-2xx|Socket errors/' | tr '\n' ' ')
  CPU_US=$(python3 -c "print(f'{($after-$before)*1e6/$CLK/max($reqs,1):.2f}')")
}

# measure_h2 URL PROTOCOL REQUESTS CONNECTIONS STREAMS PIDS...: a 20,000-request h2load
# warm-up, then one measured h2load run of REQUESTS over CONNECTIONS x STREAMS concurrent
# streams. Fails unless h2load reports "Application protocol: PROTOCOL" (h2c for
# prior-knowledge cleartext, h2 for ALPN over TLS). Sets RPS, REQ_MEAN (mean time for a
# request), TTFB (mean time to 1st byte: per connection, from connect, so it includes the
# TLS handshake), CPU_US (CPU time of PIDS per request), RESULT (succeeded/failed/errored/timeout and the
# status classes) and TLS_INFO (protocol, cipher and key exchange; empty without TLS).
measure_h2() {
  local url=$1 protocol=$2 requests=$3 conns=$4 streams=$5
  shift 5
  h2load -n 20000 -c "$conns" -m "$streams" "$url" >/dev/null
  local before after out got
  before=$(cpu_ticks "$@")
  out=$(h2load -n "$requests" -c "$conns" -m "$streams" "$url") ||
    { echo "h2load $url failed:" >&2; echo "$out" >&2; return 1; }
  after=$(cpu_ticks "$@")
  got=$(echo "$out" | awk -F': ' '/^Application protocol:/ {print $2}')
  if [ "$got" != "$protocol" ]; then
    echo "h2load $url: application protocol '$got', expected '$protocol'" >&2
    echo "$out" >&2
    return 1
  fi
  RPS=$(echo "$out" | awk '/^finished in/ {print $4}')
  TTFB=$(echo "$out" | awk '/^time to 1st byte:/ {print $7}')
  REQ_MEAN=$(echo "$out" | awk '/^time for request:/ {print $6}')
  RESULT=$(echo "$out" | awk '/^requests:/ {print $8, $9, $10, $11, $12, $13, $14, $15}
    /^status codes:/ {print $3, $4, $5, $6, $7, $8, $9, $10}' | tr '\n' ' ')
  TLS_INFO=$(echo "$out" | awk -F': ' '/^TLS Protocol:|^Cipher:|^Server Temp Key:/ {print $2}' |
    paste -sd' ')
  CPU_US=$(cpu_us_per_request "$before" "$after" "$(echo "$out" | awk '/^requests:/ {print $8}')")
}
