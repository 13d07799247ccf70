#!/bin/sh
# engines-others.sh -- the candidate engines libsia did not adopt, measured
# on the memo's workload outside libsia (bench/reliability/engines: its own
# module, so libsia's go.mod does not depend on them): Pebble v2 and SQLite
# compiled to Wasm (ncruces/go-sqlite3, WAL, synchronous=FULL).
#   usage: bench/reliability/engines-others.sh [ROUNDS]   (default 3)
# Prints: the size each adds to a c-shared library (vs an empty one) and
# its NEEDED libraries; checkpoint/reload timings (records pre-encoded:
# libsia's copy/encode/decode of models are not in these figures); the
# damage sweep of memo/sweep_test.go (same models and checkpoints, cuts and
# flips spread over the engine's files). bench/reliability/engines-others.txt
# holds a run.
set -eu
cd "$(dirname "$0")/engines"
ROUNDS=${1:-3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "# engines-others.sh at $(git rev-parse --short HEAD), $(date -u +%FT%TZ)"
echo "# $(go version); $(nproc) CPUs: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(grep -E 'pebble/v2 |ncruces/go-sqlite3 ' go.mod | sed 's/^[[:space:]]*//' | tr '\n' ';')"
for p in none pebble sqlite; do
  go build -buildmode=c-shared -o "$W/$p.so" "./size/$p"
  echo "c-shared library with $p: $(stat -c %s "$W/$p.so") bytes; NEEDED: $(objdump -p "$W/$p.so" | awk '/NEEDED/{printf "%s ", $2}')"
done
go build -o "$W/engines" .
for r in $(seq "$ROUNDS"); do
  for e in pebble sqlite; do
    echo "## round $r, $e"
    "$W/engines" bench -engine "$e"
  done
done
for e in pebble sqlite; do
  echo "## damage sweep, $e"
  "$W/engines" sweep -engine "$e" 2>&1
done
