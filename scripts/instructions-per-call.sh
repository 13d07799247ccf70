#!/usr/bin/env bash
# Instructions per incre_train call (n = 33, k = 64 new rows, row-major,
# memo of 1e5 rows) under callgrind: deterministic, unlike seconds on a
# shared machine. For each git revision given (default: HEAD), builds the
# solver test binary of that revision with the current BenchmarkCommonCase
# (solver/bench_test.go) copied in, runs the benchmark for 100 and 1 100
# iterations and prints the difference / 1 000.
#
#   scripts/instructions-per-call.sh ce6869f HEAD > bench/instructions.txt
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- HEAD
bench=$(realpath solver/bench_test.go)
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/tree" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
echo "# incre_train n=33 k=64 row-major, instructions per call (callgrind; $(valgrind --version))"
for rev in "$@"; do
  git worktree remove --force "$tmp/tree" >/dev/null 2>&1 || true
  git worktree add -f --detach "$tmp/tree" "$rev" >/dev/null 2>&1
  cp "$bench" "$tmp/tree/solver/bench_test.go"
  (cd "$tmp/tree" && go test -c -o "$tmp/bin" ./solver)
  count() {
    GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$tmp/bin" \
      -test.run '^$' -test.bench 'CommonCase/incre_k=64/row' -test.benchtime "$1x" -test.cpu 1 2>&1 |
      sed -n 's/.*Collected : //p'
  }
  lo=$(count 100)
  hi=$(count 1100)
  echo "$(git rev-parse --short "$rev") $(( (hi - lo) / 1000 ))"
done
