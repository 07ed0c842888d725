#!/usr/bin/env bash
# What a rate limit costs, side by side in one run: three portico processes (one worker
# each, access log off) with the proxy_bench route (prefix /products, rewrite, one request
# header, nginx upstream), differing only in rate limiting:
#   none   no RateLimitConfig at all
#   local  one unkeyed local limit on the route that admits everything (1e9 per second)
#   redis  the same limit kept in a local redis-server (admits everything: served from
#          leases, one Redis round-trip per ~lease of tokens)
# The three are measured in turn, ROUNDS times (the machine is noisy), each by wrk with
# CONNECTIONS keep-alive connections for DURATION seconds; prints req/s and CPU time per
# request of the portico process (utime+stime from /proc) for every run, then the means and
# the ratios to `none`.
#
# usage: bench/ratelimit_bench.sh [DURATION_S=10] [CONNECTIONS=50] [ROUNDS=2]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
DURATION=${1:-10}
CONNS=${2:-50}
ROUNDS=${3:-2}

read -r UP REDIS P_NONE P_LOCAL P_REDIS A_NONE A_LOCAL A_REDIS < <(free_ports 8)
start_upstream "$UP"
redis-server --port "$REDIS" --bind 127.0.0.1 --save "" --appendonly no \
  > "$WORK/redis.log" 2>&1 & PIDS+=($!)

limit() {  # limit [BACKEND_YAML]
  cat <<CONF
---
apiVersion: portico.dev/v1alpha1
kind: RateLimitConfig
metadata: {name: bench}
spec:
  targetRefs: [{kind: VirtualService, name: bench}]
  limits:
  - name: all
    requestsPerUnit: 1000000000
    unit: SECOND
$1
CONF
}
portico_upstream_config "$P_NONE" "$UP" > "$WORK/none.yaml"
{ portico_upstream_config "$P_LOCAL" "$UP"; limit ""; } > "$WORK/local.yaml"
{ portico_upstream_config "$P_REDIS" "$UP"
  limit "  backend: {redis: {address: \"127.0.0.1:$REDIS\", timeout: 50ms, failureMode: DENY}}"
} > "$WORK/redis.yaml"
declare -A PORT PID
for v in none local redis; do
  case $v in none) p=$P_NONE a=$A_NONE ;; local) p=$P_LOCAL a=$A_LOCAL ;; redis) p=$P_REDIS a=$A_REDIS ;; esac
  start_portico "$v" "$WORK/$v.yaml" "$a"
  PORT[$v]=$p
  PID[$v]=$PORTICO_PID
done

sleep 1
for v in none local redis; do
  h=$(curl -sf -D - -o /dev/null "http://127.0.0.1:${PORT[$v]}/products") \
    || { echo "$v is not answering"; cat "$WORK/$v.log"; exit 1; }
  if [[ $v != none ]] && ! grep -qi '^x-ratelimit-limit: 1000000000' <<<"$h"; then
    echo "$v: the limit does not apply:"; echo "$h"; exit 1
  fi
done

printf "%-6s %-6s %12s %10s %10s %12s %s\n" round limit "req/s" p50 p99 "CPU us/req" ""
declare -A SUM_RPS SUM_CPU
for round in $(seq 1 "$ROUNDS"); do
  for v in none local redis; do
    measure "http://127.0.0.1:${PORT[$v]}/products" "$DURATION" "$CONNS" "${PID[$v]}"
    printf "%-6s %-6s %12s %10s %10s %12s %s\n" "$round" "$v" "$RPS" "$P50" "$P99" "$CPU_US" "$NON2XX"
    SUM_RPS[$v]=$(python3 -c "print(${SUM_RPS[$v]:-0} + $RPS)")
    SUM_CPU[$v]=$(python3 -c "print(${SUM_CPU[$v]:-0} + $CPU_US)")
  done
done
echo
printf "%-6s %12s %12s %14s %16s\n" limit "mean req/s" "CPU us/req" "req/s vs none" "CPU/req vs none"
for v in none local redis; do
  python3 - "$v" "${SUM_RPS[$v]}" "${SUM_CPU[$v]}" "${SUM_RPS[none]}" "${SUM_CPU[none]}" "$ROUNDS" <<'PY'
import sys
v, rps, cpu, rps0, cpu0, n = sys.argv[1], *map(float, sys.argv[2:])
print(f"{v:<6} {rps/n:12.0f} {cpu/n:12.2f} {100*(rps/rps0-1):+13.1f}% {100*(cpu/cpu0-1):+15.1f}%")
PY
done
