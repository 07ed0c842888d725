#!/usr/bin/env bash
# Reload latency (file write -> first request served by the new snapshot) for 10, 1,000
# and 10,000 routes, and wrk's request rate with and without reloads. Release build.
# usage: bench/reload_bench.sh [ROUNDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench >/dev/null
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DPORTICO_BENCH=ON >/dev/null
cmake --build build/bench -j"$(nproc)" --target portico portico_reload_bench >/dev/null
build/bench/bench/portico_reload_bench build/bench/portico "${1:-10}"
