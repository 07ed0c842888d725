#!/usr/bin/env bash
# Portico vs nginx vs HAProxy, side by side in one run, on loopback.
# Same route on each: prefix /products, rewrite to /, one request header set, one upstream
# (an nginx serving a fixed 2-byte body, so the upstream is never the bottleneck), upstream
# keep-alive pools (nginx `keepalive`, HAProxy `http-reuse always`), one worker each.
# Load: wrk, 50 keep-alive connections. Prints requests/s, p50/p99 latency and each proxy's
# CPU time per request (utime+stime from /proc, all its processes), measured in this run.
#
# usage: bench/proxy_bench.sh [DURATION_S=10] [CONNECTIONS=50]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
DURATION=${1:-10}
CONNS=${2:-50}

read -r UP P_PORTICO P_NGINX P_HAPROXY ADMIN < <(free_ports 5)
start_upstream "$UP"

# --- portico
mkdir -p "$WORK/portico"
portico_upstream_config "$P_PORTICO" "$UP" > "$WORK/portico/bench.yaml"
start_portico portico "$WORK/portico/bench.yaml" "$ADMIN"

# --- nginx as proxy
mkdir -p "$WORK/ngx"
cat > "$WORK/ngx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/ngx/nginx.pid; error_log $WORK/ngx/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream up { server 127.0.0.1:$UP; keepalive 64; }
  server { listen 127.0.0.1:$P_NGINX;
    location /products { proxy_pass http://up/; proxy_http_version 1.1;
      proxy_set_header Connection ""; proxy_set_header x-bench 1; } } }
CONF
nginx -c "$WORK/ngx/nginx.conf" -p "$WORK/ngx" & PIDS+=($!)
NGINX_MASTER=$!

# --- haproxy
cat > "$WORK/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:$P_HAPROXY
  default_backend be
backend be
  http-request set-path "%[path,regsub(^/products,/)]"
  http-request set-header x-bench 1
  server up 127.0.0.1:$UP
CONF
haproxy -f "$WORK/haproxy.cfg" -db & PIDS+=($!)
HAPROXY_PID=$!

sleep 1
for p in $P_PORTICO $P_NGINX $P_HAPROXY; do
  curl -sf -o /dev/null "http://127.0.0.1:$p/products" || { echo "proxy on $p is not answering"; exit 1; }
done

nginx_pids() { echo "$NGINX_MASTER $(pgrep -P "$NGINX_MASTER" | tr '\n' ' ')"; }

printf "%-8s %12s %10s %10s %14s\n" proxy "req/s" "p50" "p99" "CPU us/req"
for name in portico nginx haproxy; do
  case $name in
    portico) port=$P_PORTICO; pids="$PORTICO_PID" ;;
    nginx) port=$P_NGINX; pids="$(nginx_pids)" ;;
    haproxy) port=$P_HAPROXY; pids="$HAPROXY_PID" ;;
  esac
  measure "http://127.0.0.1:$port/products" "$DURATION" "$CONNS" $pids
  printf "%-8s %12s %10s %10s %14s %s\n" "$name" "$RPS" "$P50" "$P99" "$CPU_US" "$NON2XX"
done
