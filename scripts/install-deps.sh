#!/usr/bin/env bash
# Installs every Debian 12 package Portico needs to build, test and benchmark.
# Idempotent; run as root (or with sudo available). See docs/dependencies.md for why each is here.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

BUILD_PKGS=(
  build-essential cmake pkg-config git ca-certificates
  libboost1.81-all-dev libboost-url1.81-dev libboost-json1.81-dev
  libnghttp2-dev libssl-dev libyaml-cpp-dev libspdlog-dev libre2-dev libhiredis-dev
)
TEST_PKGS=(
  libgtest-dev libgmock-dev libbenchmark-dev
  curl nghttp2-client openssl redis-server wrk python3 procps iproute2
)
BENCH_PKGS=(nginx-light haproxy)

want=("${BUILD_PKGS[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${TEST_PKGS[@]}") ;;
  bench) want+=("${TEST_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's redis-server package starts a system service on 6379; tests start their own on free ports.
