#!/bin/sh
# engines.sh -- the durable memo's storage engines side by side (issue 21):
# 0.2's bbolt layer (main @ 2995b12) and the log format of memo/ at HEAD,
# each in its own copy of the tree at 2995b12 (only memo/ differs), with the
# same benchmarks, the same damage sweep and the same libsia.so build.
#   usage: bench/reliability/engines.sh [ROUNDS]   (default 3 rounds)
# Prints the raw output; docs/durability.md's table is taken from it
# (bench/reliability/engines.txt holds a run).
set -eu
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
BASE=2995b12
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for e in bbolt log; do
  mkdir -p "$W/$e"
  git archive "$BASE" | tar -x -C "$W/$e"
done
# log: memo/ as at HEAD (library and tests); both: HEAD's benchmarks,
# sweep and its helpers (they use only what both packages have).
rm -f "$W/log/memo/"*.go
git archive HEAD memo | tar -x -C "$W/log"
for f in bench_test.go sweep_test.go export_test.go; do
  git show "HEAD:memo/$f" > "$W/bbolt/memo/$f"
done
mkdir -p "$W/bbolt/memo/testdata" && git show HEAD:memo/testdata/v02.db > "$W/bbolt/memo/testdata/v02.db"
echo "# engines.sh at $(git rev-parse --short HEAD), base $BASE, $(date -u +%FT%TZ)"
echo "# $(go version); $(nproc) CPUs: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# filesystem of TMPDIR: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2{print $2}')"
for e in bbolt log; do
  (cd "$W/$e" && go build -buildmode=c-shared -o "$W/$e.so" ./capi)
  echo "libsia.so $e: $(stat -c %s "$W/$e.so") bytes; NEEDED: $(objdump -p "$W/$e.so" | awk '/NEEDED/{printf "%s ", $2}')"
done
for r in $(seq "$ROUNDS"); do
  for e in bbolt log; do
    echo "## round $r, $e"
    (cd "$W/$e" && go test -count=1 -run '^$' -bench 'Checkpoint$' -benchtime 20000x ./memo | grep '^Benchmark')
    (cd "$W/$e" && go test -count=1 -run '^$' -bench 'CheckpointOne' -benchtime 200x ./memo | grep '^Benchmark')
    (cd "$W/$e" && go test -count=1 -run '^$' -bench 'Checkpoint1kOf10k' -benchtime 30x ./memo | grep '^Benchmark')
    (cd "$W/$e" && go test -count=1 -run '^$' -bench 'Reload100k' -benchtime 1x ./memo | grep '^Benchmark')
  done
done
for e in bbolt log; do
  echo "## damage sweep, $e (cuts and flips of the file each engine writes for the same 8 models and 4 checkpoints; then testdata/v02.db)"
  (cd "$W/$e" && SIA_SWEEP_OUT="$W/sweep-$e.txt" go test -count=1 -timeout 60m -run '^TestDamageSweep$' ./memo >/dev/null 2>&1 || true)
  cat "$W/sweep-$e.txt"
done
