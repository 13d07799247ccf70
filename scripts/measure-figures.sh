#!/usr/bin/env bash
# Measures the raw data behind README's demo, engine and reliability figures
# (run by `make figures`; scripts/derive_figures.py turns these files into
# the tables and sentences README shows). Each file is the unedited output
# of a committed command:
#   bench/demo/demo.txt                 go run ./cmd/siademo (the demo's defaults)
#   bench/engines/opencl-bench.txt      go test -bench Engines ./device/opencl
#                                       (OpenCL: PoCL on a CPU unless a device is present)
#   bench/reliability/memo-bench.txt    go test -bench 'Checkpoint|Reload' ./memo
#   bench/gels-vs-gonum.txt             go test -bench GelsVsGonum ./solver (trans 'T', m < n)
#   bench/reliability/memo-checkpoint-1.txt  the same, a checkpoint of a single model
#   bench/reliability/test_memory.txt   build/test_memory (ctest/test_memory.c)
# The learned-index benchmark (bench/index/*.csv, ~12 minutes) is not rerun
# here: `make figures FULL=1` runs `make bench-index` first.
# A measurement that fails leaves the committed file as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mkdir -p bench/demo bench/engines bench/reliability

# run OUT CMD...: CMD's stdout into OUT, only if CMD succeeds.
run() {
  local out=$1 tmp
  shift
  tmp=$(mktemp)
  if "$@" > "$tmp"; then mv "$tmp" "$out"; chmod 644 "$out"; echo "wrote $out"
  else rm -f "$tmp"; echo "measure-figures: '$*' failed; $out left as it was" >&2; return 1; fi
}

run bench/demo/demo.txt $GO run ./cmd/siademo
run bench/engines/opencl-bench.txt $GO test -run '^$' -bench Engines ./device/opencl
run bench/reliability/memo-bench.txt $GO test -run '^$' -bench 'Checkpoint|Reload' ./memo
run bench/gels-vs-gonum.txt $GO test -run '^$' -bench GelsVsGonum -count 5 ./solver
run bench/reliability/memo-checkpoint-1.txt $GO test -run '^$' -bench '^BenchmarkCheckpoint$' -benchtime 1x ./memo
run bench/reliability/test_memory.txt ./build/test_memory
