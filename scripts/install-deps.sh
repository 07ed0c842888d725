#!/usr/bin/env bash
# Installs every Debian 12 package Portico needs to build, test and benchmark, or (`runtime`)
# only what the built binary needs to run: the container image's runtime stage calls this.
# Idempotent; run as root (or with sudo available). See docs/dependencies.md for why each is here.
# `--print` lists the packages of a set instead of installing them (tests compare it to `ldd`).
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
# Every shared library `ldd build/release/portico` lists, by Debian 12 package, plus
# libnghttp2-14 (HTTP/2, being wired), curl for the container HEALTHCHECK and ca-certificates
# for upstream TLS. tests/integration/container_test.cpp fails when a library is missing here.
RUNTIME_PKGS=(
  libc6 libgcc-s1 libstdc++6
  libboost-program-options1.81.0 libboost-url1.81.0 libboost-json1.81.0 libboost-container1.81.0
  libssl3 libyaml-cpp0.7 libspdlog1.10 libfmt9 libre2-9 libhiredis0.14 libnghttp2-14
  curl ca-certificates
)

set_name="${1:-build}"
case "$set_name" in
  build) want=("${BUILD_PKGS[@]}") ;;
  test) want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  bench) want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
  runtime) want=("${RUNTIME_PKGS[@]}") ;;
  *) echo "usage: $0 [build|test|bench|runtime] [--print]" >&2; exit 2 ;;
esac
if [ "${2:-}" = "--print" ]; then
  printf '%s\n' "${want[@]}"
  exit 0
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's redis-server package starts a system service on 6379; tests start their own on free ports.
