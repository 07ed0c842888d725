#!/usr/bin/env bash
# Builds the Release binary (the one users run and benchmarks measure) into build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DPORTICO_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target portico portico_test_upstream
