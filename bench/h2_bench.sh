#!/usr/bin/env bash
# HTTP/2 through portico and nginx, side by side in one run, on loopback, in two modes:
# prior-knowledge h2c, and h2 over TLS (ALPN h2; both proxies serve the same self-signed
# ECDSA P-256 certificate, TLS 1.2 + 1.3, OpenSSL's default cipher list with server
# preference, session tickets on). The same route as bench/proxy_bench.sh (prefix /products,
# rewrite to /, one request header set, an nginx upstream with a fixed 2-byte body over an
# HTTP/1.1 keep-alive pool), one worker each. Load: h2load, CONNECTIONS x STREAMS concurrent
# streams. Prints, per mode, requests/s, mean time for a request, mean time to first byte (h2load
# counts it per connection, from connect: it includes the TLS handshake), each proxy's CPU time per
# request (utime+stime from /proc, all its processes) and the Portico/nginx ratios, and the
# TLS protocol and cipher h2load negotiated.
#
# usage: bench/h2_bench.sh [REQUESTS=200000] [CONNECTIONS=10] [STREAMS=10]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
REQUESTS=${1:-200000}
CONNS=${2:-10}
STREAMS=${3:-10}

read -r UP P_PORTICO P_PORTICO_TLS P_NGINX P_NGINX_TLS ADMIN < <(free_ports 6)
CERT=$WORK/cert/bench.crt
KEY=$WORK/cert/bench.key
self_signed_cert "$WORK/cert"
start_upstream "$UP"
portico_upstream_config "$P_PORTICO" "$UP" "$P_PORTICO_TLS" "$CERT" "$KEY" > "$WORK/portico.yaml"
start_portico portico "$WORK/portico.yaml" "$ADMIN"

# --- nginx as proxy: h2c on one listener (`http2` without ssl: prior knowledge only), h2 over
# TLS on the other. OpenSSL's DEFAULT cipher list and server preference, as Portico has.
mkdir -p "$WORK/ngx"
cat > "$WORK/ngx/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/ngx/nginx.pid; error_log $WORK/ngx/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  http2_max_concurrent_streams 128;
  ssl_certificate $CERT; ssl_certificate_key $KEY;
  ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT; ssl_prefer_server_ciphers on;
  ssl_session_tickets on;
  upstream up { server 127.0.0.1:$UP; keepalive 64; }
  server { listen 127.0.0.1:$P_NGINX http2; listen 127.0.0.1:$P_NGINX_TLS ssl http2;
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
for p in $P_PORTICO_TLS $P_NGINX_TLS; do
  [ "$(curl -sfk --http2 -o /dev/null -w '%{http_version}' "https://127.0.0.1:$p/products")" = 2 ] ||
    { echo "proxy on $p is not answering h2 over TLS"; exit 1; }
done

ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }

printf "%-6s %-14s %10s %9s %10s %11s  %s\n" mode proxy "req/s" "mean req" "mean TTFB" "CPU us/req" \
  result
TLS_LINES=()
declare -A RPS_OF CPU_OF
for mode in h2c h2-tls; do
  for name in portico nginx; do
    case $name in
      portico) pids="$PORTICO_PID"; ports=("$P_PORTICO" "$P_PORTICO_TLS") ;;
      nginx) pids="$(nginx_pids "$NGINX_MASTER")"; ports=("$P_NGINX" "$P_NGINX_TLS") ;;
    esac
    case $mode in
      h2c) url="http://127.0.0.1:${ports[0]}/products"; protocol=h2c ;;
      h2-tls) url="https://127.0.0.1:${ports[1]}/products"; protocol=h2 ;;
    esac
    measure_h2 "$url" "$protocol" "$REQUESTS" "$CONNS" "$STREAMS" $pids
    [ -z "$TLS_INFO" ] || TLS_LINES+=("$name: $TLS_INFO, application protocol $protocol")
    printf "%-6s %-14s %10s %9s %10s %11s  %s\n" "$mode" "$name" "$RPS" "$REQ_MEAN" "$TTFB" "$CPU_US" \
      "$RESULT"
    RPS_OF[$name]=$RPS; CPU_OF[$name]=$CPU_US
  done
  printf "%-6s %-14s %10s %9s %10s %11s\n" "$mode" portico/nginx \
    "$(ratio "${RPS_OF[portico]}" "${RPS_OF[nginx]}")" "" "" \
    "$(ratio "${CPU_OF[portico]}" "${CPU_OF[nginx]}")"
done
printf "TLS (h2load): %s\n" "${TLS_LINES[@]}"
