#!/bin/sh
# Before/after of issue 15 (retraining in passes, retrains without garbage)
# in the insert-heavy 50/50 mix: sia-bench built at 34428c6 (before) and at
# the working tree (after), run alternately, same flags, 32-byte keys,
# incremental vs ideal, 3 runs each (median reported). Writes
# before-N.csv / after-N.csv (sia-bench's results.csv) beside this script.
#   sh bench/index/passes-ab/run.sh [rounds] [keys]
set -e
rounds=${1:-2}
keys=${2:-200000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
(cd "$root" && git archive 34428c6 | tar -x -C "$tmp/src")
(cd "$tmp/src" && go build -o "$tmp/before" ./cmd/sia-bench)
(cd "$root" && go build -o "$tmp/after" ./cmd/sia-bench)
F="-keys $keys -ops $keys -lens 32 -workloads mix -modes incremental,ideal -reps 3 -sweep-len 0"
r=1
while [ "$r" -le "$rounds" ]; do
  for v in before after; do
    nice "$tmp/$v" $F -out "$tmp/out-$v-$r" >/dev/null 2>&1
    cp "$tmp/out-$v-$r/results.csv" "$here/$v-$r.csv"
  done
  r=$((r + 1))
done
uptime > "$here/load.txt"
