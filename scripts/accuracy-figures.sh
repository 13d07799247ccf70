#!/usr/bin/env bash
# Regenerates README's accuracy figures into bench/accuracy/ (run by
# `make figures`; each file is the raw output of a committed test):
#   extremes.md  ctest/test_extremes.c: every entry point at the ends of the
#                floating-point range vs LAPACKE (both engines, both layouts)
#   shifted.md   TestShiftedMatchesGels: incre_train_shifted vs the exact
#                solution, cond(A) 1 .. 1e12
#   decre.md     TestDecreEdge: decre_train of high-leverage, far-off rows
#   exact.md     TestAccuracyAgainstExact (SIA_ACCURACY_FULL=1): cold
#                training vs the exact solution, libsia and gonum
#   xlintstd.txt LAPACK's own DLS/DQR/DLQ tests through the shim
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/accuracy
mkdir -p "$out"
GO=${GO:-go}
table() { grep -o '| .* |$' || true; }

{
  echo "| entry point | 1 | 1e150 | 1e-150 | 1e295 | 1e-295 | 1e300 | 1e-300 | 1e-310 | 1e-315 | DBL_MAX/n |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  ./build/test_extremes | grep '^| [a-z_]' | grep -v '^| entry point'
  ./build/test_extremes | grep -E '^(rank-deficient|mixed)'
} > "$out/extremes.md"

{
  echo "| cond(A) | targets | layout | no correction | libsia (corrected route, default policy) | dgels (QR) |"
  echo "|---|---|---|---|---|---|"
  $GO test -count=1 -v -run '^TestShiftedMatchesGels$' ./solver | table
} > "$out/shifted.md"

{
  echo "| α² = 1 − ‖R⁻ᵀz‖² | residual of the row | libsia | dgels | ε·κ(A) |"
  echo "|---|---|---|---|---|"
  $GO test -count=1 -v -run '^TestDecreEdge$' ./solver | table
} > "$out/decre.md"

{
  echo "| m × n | κ | libsia | gonum |"
  echo "|---|---|---|---|"
  SIA_ACCURACY_FULL=1 $GO test -count=1 -v -run '^TestAccuracyAgainstExact$' ./solver | table
} > "$out/exact.md"

shim/xlintstd.sh build/libsia_lapack.so build/xlintstd > "$out/xlintstd.txt"
echo "accuracy figures written to $out/"
