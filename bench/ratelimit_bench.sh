#!/usr/bin/env bash
# What a rate limit costs, side by side in one run: one portico process (one worker, access
# log off) with the proxy_bench route (prefix /products, rewrite, one request header, nginx
# upstream) three times, as three VirtualServices told apart by Host, differing only in
# rate limiting:
#   none   no limit targets it
#   local  one unkeyed local limit that admits everything (1e9 per second)
#   redis  the same limit kept in a local redis-server (admits everything: served from
#          leases renewed ahead, so about one Redis round-trip per 10 ms of traffic)
# One process, so the three share memory layout, caches and CPU; they are measured in turn,
# ROUNDS times (the machine is noisy), each by wrk with CONNECTIONS keep-alive connections for
# DURATION seconds. Prints req/s and CPU time per request of the portico process
# (utime+stime from /proc) for every run, then the medians and the ratios to `none`.
#
# usage: bench/ratelimit_bench.sh [DURATION_S=10] [CONNECTIONS=50] [ROUNDS=4]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
DURATION=${1:-10}
CONNS=${2:-50}
ROUNDS=${3:-4}

read -r UP REDIS PORT ADMIN < <(free_ports 4)
start_upstream "$UP"
redis-server --port "$REDIS" --bind 127.0.0.1 --save "" --appendonly no \
  > "$WORK/redis.log" 2>&1 & PIDS+=($!)

limit() {  # limit NAME TARGET [BACKEND_YAML]
  cat <<CONF
---
apiVersion: portico.dev/v1alpha1
kind: RateLimitConfig
metadata: {name: $1}
spec:
  targetRefs: [{kind: VirtualService, name: $2}]
  limits:
  - name: all
    requestsPerUnit: 1000000000
    unit: SECOND
${3:-}
CONF
}
{
  portico_gateway_config "$PORT" "$UP"
  for v in none local redis; do portico_route_config "$v" "$v.bench"; done
  limit local-limit local
  limit redis-limit redis \
    "  backend: {redis: {address: \"127.0.0.1:$REDIS\", timeout: 50ms, failureMode: DENY}}"
} > "$WORK/bench.yaml"
start_portico portico "$WORK/bench.yaml" "$ADMIN"

sleep 1
URL="http://127.0.0.1:$PORT/products"
for v in none local redis; do
  h=$(curl -sf -D - -o /dev/null -H "Host: $v.bench" "$URL") \
    || { echo "$v is not answering"; cat "$WORK/portico.log"; exit 1; }
  if [[ $v != none ]] && ! grep -qi '^x-ratelimit-limit: 1000000000' <<<"$h"; then
    echo "$v: the limit does not apply:"; echo "$h"; exit 1
  fi
done

printf "%-6s %-6s %12s %10s %10s %12s %s\n" round limit "req/s" p50 p99 "CPU us/req" ""
for round in $(seq 1 "$ROUNDS"); do
  for v in none local redis; do
    WRK_ARGS=(-H "Host: $v.bench")
    measure "$URL" "$DURATION" "$CONNS" "$PORTICO_PID"
    printf "%-6s %-6s %12s %10s %10s %12s %s\n" "$round" "$v" "$RPS" "$P50" "$P99" "$CPU_US" "$NON2XX"
    echo "$v $RPS $CPU_US" >> "$WORK/results"
  done
done
echo
# Medians over the rounds (a noisy neighbour hits single runs, rarely the median), and the
# cost relative to `none`: throughput lost and CPU time added per request.
python3 - "$WORK/results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    v, rps, cpu = line.split()
    runs.setdefault(v, []).append((float(rps), float(cpu)))
med = {v: (statistics.median(r for r, _ in xs), statistics.median(c for _, c in xs)) for v, xs in runs.items()}
print(f"{'limit':<6} {'median req/s':>13} {'median CPU us/req':>18} {'req/s vs none':>14} {'CPU/req vs none':>16}")
for v in ("none", "local", "redis"):
    rps, cpu = med[v]
    print(f"{v:<6} {rps:13.0f} {cpu:18.2f} {100*(rps/med['none'][0]-1):+13.1f}% {100*(cpu/med['none'][1]-1):+15.1f}%")
PY
