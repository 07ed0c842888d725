# Shared parts of the whole-process benchmarks (sourced, not run): a work directory whose
# processes are stopped on exit, free ports, the fixed-answer nginx upstream, the portico
# config with the benchmark route, and CPU time from /proc.
# shellcheck shell=bash

WORK=$(mktemp -d /tmp/portico-bench-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$WORK"; }
trap cleanup EXIT
CLK=$(getconf CLK_TCK)

# free_ports N: N distinct free ports, all bound at once so the kernel cannot hand one out twice.
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

# start_portico PORT UPSTREAM_PORT ADMIN_PORT: the benchmark route (prefix /products,
# rewrite to /, one request header set) on one worker; sets PORTICO_PID.
start_portico() {
  mkdir -p "$WORK/portico"
  cat > "$WORK/portico/bench.yaml" <<CONF
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: $1, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: up}
spec:
  hosts: [up.default.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {http: $2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bench}
spec:
  hosts: ["*"]
  gateways: [bench]
  http:
  - match: [{uri: {prefix: /products}}]
    rewrite: {uri: /}
    route: [{destination: {host: up, port: {number: 80}}}]
    headers: {request: {set: {x-bench: "1"}}}
CONF
  build/release/portico -c "$WORK/portico/bench.yaml" --concurrency 1 --access-log off \
    --admin-address "127.0.0.1:$3" --bind-address 127.0.0.1 --log-level warn & PIDS+=($!)
  PORTICO_PID=$!
}

# cpu_ticks PID...: utime+stime summed over the pids' threads.
cpu_ticks() {
  local total=0
  for pid in "$@"; do
    for task in /proc/$pid/task/*/stat; do
      read -r -a f < "$task" || continue
      total=$((total + f[13] + f[14]))
    done
  done
  echo $total
}
# nginx_pids MASTER: the master and its workers.
nginx_pids() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }
# cpu_us_per_request TICKS_BEFORE TICKS_AFTER REQUESTS
cpu_us_per_request() { python3 -c "print(f'{($2-$1)*1e6/$CLK/max($3,1):.1f}')"; }
