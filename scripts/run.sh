#!/usr/bin/env bash
# Installs dependencies, builds the Release binary and starts Portico on config/ (listener
# :8080, admin 127.0.0.1:15000), with the small loopback upstream that config/routes.yaml
# proxies /products/ to on 127.0.0.1:8081. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
scripts/build.sh
build/release/portico_test_upstream --port 8081 --name product-service &
upstream=$!
trap 'kill "$upstream" 2>/dev/null || true' EXIT
echo "Portico on http://127.0.0.1:8080 (try /healthz and /products/42); admin on http://127.0.0.1:15000"
build/release/portico -c config/ "$@"
