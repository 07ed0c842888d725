#!/usr/bin/env bash
# HTTP/2 (prior-knowledge h2c) through portico and nginx, side by side in one run, on
# loopback: the same route as bench/proxy_bench.sh (prefix /products, rewrite to /, one
# request header set, an nginx upstream with a fixed 2-byte body over an HTTP/1.1 keep-alive
# pool), one worker each. Load: h2load, CONNECTIONS x STREAMS concurrent streams.
# Prints requests/s, mean time to first byte and each proxy's CPU time per request
# (utime+stime from /proc, all its processes), measured in this run.
#
# usage: bench/h2_bench.sh [REQUESTS=200000] [CONNECTIONS=10] [STREAMS=10]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
REQUESTS=${1:-200000}
CONNS=${2:-10}
STREAMS=${3:-10}

read -r UP P_PORTICO P_NGINX ADMIN < <(free_ports 4)
start_upstream "$UP"
portico_upstream_config "$P_PORTICO" "$UP" > "$WORK/portico.yaml"
start_portico portico "$WORK/portico.yaml" "$ADMIN"

# --- nginx as proxy, h2c on its listener (`http2` without ssl: prior knowledge only)
mkdir -p "$WORK/ngx"
cat > "$WORK/ngx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/ngx/nginx.pid; error_log $WORK/ngx/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  http2_max_concurrent_streams 128;
  upstream up { server 127.0.0.1:$UP; keepalive 64; }
  server { listen 127.0.0.1:$P_NGINX http2;
    location /products { proxy_pass http://up/; proxy_http_version 1.1;
      proxy_set_header Connection ""; proxy_set_header x-bench 1; } } }
CONF
nginx -c "$WORK/ngx/nginx.conf" -p "$WORK/ngx" & PIDS+=($!)
NGINX_MASTER=$!

sleep 1
for p in $P_PORTICO $P_NGINX; do
  curl -sf --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$p/products" ||
    { echo "proxy on $p is not answering h2c"; exit 1; }
done

printf "%-8s %12s %12s %14s %s\n" proxy "req/s" "mean TTFB" "CPU us/req" "result"
for name in portico nginx; do
  case $name in
    portico) port=$P_PORTICO; pids="$PORTICO_PID" ;;
    nginx) port=$P_NGINX; pids="$(nginx_pids "$NGINX_MASTER")" ;;
  esac
  h2load -n 20000 -c "$CONNS" -m "$STREAMS" "http://127.0.0.1:$port/products" >/dev/null  # warm-up
  before=$(cpu_ticks $pids)
  out=$(h2load -n "$REQUESTS" -c "$CONNS" -m "$STREAMS" "http://127.0.0.1:$port/products")
  after=$(cpu_ticks $pids)
  done_reqs=$(echo "$out" | awk '/^requests:/ {print $8}')
  rps=$(echo "$out" | awk '/^finished in/ {print $4}')
  ttfb=$(echo "$out" | awk '/^time to 1st byte:/ {print $7}')
  result=$(echo "$out" | awk '/^requests:/ {print $8, $9, $10, $11, $12, $13}')
  cpu_us=$(cpu_us_per_request "$before" "$after" "$done_reqs")
  printf "%-8s %12s %12s %14s %s\n" "$name" "$rps" "$ttfb" "$cpu_us" "$result"
done
