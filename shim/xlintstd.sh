#!/usr/bin/env bash
# LAPACK's own tests of the least-squares driver and the QR/LQ routines it is
# built from (Debian's liblapack-test: xlintstd, LAPACK 3.11), run with
# libsia's shim preloaded so that every DGELS call goes to libsia.
#
#   shim/xlintstd.sh build/libsia_lapack.so [outdir]
#
# Fails unless (1) the dynamic linker binds xlintstd's dgels_ to the shim,
# (2) the DLS, DQR and DLQ paths each print LAPACK's "All tests ... passed"
# summary, and (3) no test ratio is NaN or Inf (the driver exits 0 even when
# tests fail, and a NaN ratio compares as passing).
set -euo pipefail
shim=$(realpath "$1")
out=${2:-build/xlintstd}
dir=$(dirname "$(dpkg -L liblapack-test | grep '/xlintstd$' | head -1)")
[ -x "$dir/xlintstd" ] || { echo "xlintstd not found: apt-get install liblapack-test"; exit 1; }
mkdir -p "$out"
# dtest.in's header (dimensions, block sizes, threshold, what to test), then
# only the paths that exercise DGELS and its building blocks.
{ head -n 16 "$dir/dtest.in"; grep -E '^D(LS|QR|LQ) ' "$dir/dtest.in"; } > "$out/dls.in"

LD_DEBUG=bindings LD_PRELOAD="$shim" "$dir/xlintstd" < "$out/dls.in" > /dev/null 2> "$out/bindings.txt"
if ! grep -q "to $shim \[0\]: normal symbol \`dgels_'" "$out/bindings.txt"; then
  echo "xlintstd: dgels_ is not bound to $shim:"; grep "dgels_" "$out/bindings.txt" || true; exit 1
fi
LD_PRELOAD="$shim" "$dir/xlintstd" < "$out/dls.in" > "$out/output.txt" 2>&1
status=0
for path in "DQR routines" "DLQ routines" "DLS drivers "; do
  line=$(grep -E "All tests for $path +passed the threshold" "$out/output.txt" || true)
  if [ -z "$line" ]; then echo "xlintstd: $path did not pass:"; status=1; else echo "xlintstd:$line"; fi
done
if grep -qiE 'NaN|Infinity' "$out/output.txt"; then
  echo "xlintstd: NaN or Inf in the output:"; grep -iE 'NaN|Infinity' "$out/output.txt" | head; status=1
fi
if [ $status != 0 ]; then grep -E 'fail|ratio|DGELS' "$out/output.txt" | head -20; fi
exit $status
