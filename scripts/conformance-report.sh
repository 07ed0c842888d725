#!/usr/bin/env bash
# Runs `portico validate` over each file of the Istio conformance corpus and prints the
# Markdown table used in docs/conformance.md (file, verdict, counts, what was reported).
# Usage: scripts/conformance-report.sh [PORTICO_BINARY] [CORPUS_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:-$root/build/dev/portico}"
corpus="${2:-$root/../shared/conformance/istio}"
cd "$corpus"

echo "| file | verdict | resources | errors | warnings | reported (field: message, shortened) |"
echo "|---|---|---|---|---|---|"
total_files=0; valid=0; warned=0; failed=0; total_res=0; total_err=0; total_warn=0
for f in *.yaml; do
  out="$("$binary" validate "$f" 2>&1)" && rc=0 || rc=$?
  summary="$(tail -n1 <<<"$out")"
  res=$(sed -E 's/^[0-9]+ files?, ([0-9]+) resources?.*/\1/' <<<"$summary")
  err=$(sed -E 's/.*: ([0-9]+) errors?, .*/\1/' <<<"$summary")
  warn=$(sed -E 's/.*, ([0-9]+) warnings?$/\1/' <<<"$summary")
  if [[ $rc -ne 0 ]]; then verdict="**errors**"; failed=$((failed+1))
  elif [[ $warn -gt 0 ]]; then verdict="valid, warnings"; warned=$((warned+1))
  else verdict="valid"; valid=$((valid+1)); fi
  # "file:L:C: [warning: ]Kind ns/name: field: message" -> "[W|E] field: message"
  details=$(head -n -1 <<<"$out" | sed -E 's/^[^:]+:[0-9]+:[0-9]+: //' |
    sed -E 's/^warning: [A-Za-z]+ [^ ]+: /W /; t; s/^[A-Za-z]+ [^ ]+: /E /' |
    sed -E 's/\[[0-9]+\]/[i]/g' | cut -c1-110 | sort | uniq -c |
    awk '{c=$1; $1=""; sub(/^ /,""); printf "%s%s%s", (NR>1?"<br>":""), $0, (c>1?" (x" c ")":"")}' |
    sed 's/|/\\|/g')
  echo "| $f | $verdict | $res | $err | $warn | ${details:-} |"
  total_files=$((total_files+1)); total_res=$((total_res+res)); total_err=$((total_err+err)); total_warn=$((total_warn+warn))
done
echo
echo "Summary: $total_files files, $total_res resources: $valid valid, $warned valid with warnings, $failed with errors ($total_err errors, $total_warn warnings in total)."
