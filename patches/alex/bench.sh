#!/bin/sh
# bench.sh -- build the SIA artifact's string-key ALEX twice (unpatched with
# instrument.patch's training counters over Debian's LAPACKE/OpenBLAS, and
# with alex-libsia.patch) around verify.cpp, and run the insert-heavy
# comparison whose output README.md quotes.
#
#   patches/alex/bench.sh ARTIFACT_DIR LIBSIA_INCLUDE_DIR LIBSIA_LIB_DIR OUT_DIR [REPS] [PARTS]
#
# PARTS: "sync async" (default), or one of them: which sections to run.
#
# ARTIFACT_DIR: a checkout of https://github.com/sia-index/sia at 7645a9c
# (only alex/, lock.h and test_config.h are used). Needs g++,
# liblapacke-dev and libopenblas-dev. Every run is single-threaded BLAS
# (OPENBLAS_NUM_THREADS=1; libsia trains on one thread by default).
set -eu
ART=$1 INC=$2 LIB=$3 OUT=$4 REPS=${5:-5} PARTS=${6:-sync async}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
for v in unpatched patched; do
  rm -rf "$OUT/$v" && mkdir -p "$OUT/$v"
  cp -r "$ART/alex" "$ART/lock.h" "$ART/test_config.h" "$OUT/$v/"
done
(cd "$OUT/unpatched" && patch -s -p1 < "$HERE/instrument.patch")
(cd "$OUT/patched" && patch -s -p1 < "$HERE/alex-libsia.patch")
# MKL stand-ins for the unpatched build: Debian's LAPACKE.
mkdir -p "$OUT/mkl"
printf '#pragma once\n' > "$OUT/mkl/mkl.h"
printf '#pragma once\n#include <lapacke.h>\nstatic inline void mkl_free_buffers(void) {}\n' > "$OUT/mkl/mkl_lapacke.h"
CXXFLAGS="-std=c++17 -O2 -march=native -faligned-new"
(cd "$OUT/unpatched" && nice -n 10 g++ $CXXFLAGS -I. -I"$OUT/mkl" -I/usr/include/x86_64-linux-gnu/openblas-pthread \
  "$HERE/verify.cpp" -llapacke -lpthread -o verify)
(cd "$OUT/patched" && nice -n 10 g++ $CXXFLAGS -I. -I"$INC" -DSIA_PATCHED "$HERE/verify.cpp" -L"$LIB" -lsia -lpthread \
  -Wl,-rpath,"$LIB" -o verify)
export OPENBLAS_NUM_THREADS=1
echo "### bench.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "### libsia: $LIB ${LIBSIA_DESC:-}; patch sha256 $(sha256sum "$HERE/alex-libsia.patch" | cut -c1-16), instrument.patch $(sha256sum "$HERE/instrument.patch" | cut -c1-16)"
run() {  # label, binary, targets (empty: the patch's default), check (0/1), verify arguments...
  label=$1 bin=$2 targets=$3 check=$4; shift 4
  echo "### $label: SIA_ALEX_TARGETS=$targets SIA_ALEX_CHECK=$check verify $* (load $(cut -d' ' -f1 /proc/loadavg))"
  SIA_ALEX_TARGETS=$targets SIA_ALEX_CHECK=$check nice -n 10 "$OUT/$bin/verify" "$@" || echo "### exit status $?"
}
# 1. Keys: every key found after every batch, no insert concurrent with a
#    modification ("sync"), with the artifact's Twitter hyperparameters
#    (node size 1500, delta index 256) and its YCSB ones (128, 63); the
#    exact-target run also compares every incremental model with a cold fit.
# 2. Training time and throughput: REPS interleaved repetitions.
case " $PARTS " in *" sync "*)
for rep in $(seq "$REPS"); do
  for args in "100000 300000 6 42 sync url 1500 256" "100000 300000 6 42 sync url 128 63"; do
    run unpatched unpatched off 0 $args
    run libsia-default patched "" 0 $args
    run libsia-cold patched off 0 $args
    run libsia-stable patched stable 0 $args
    run libsia-exact patched exact "$([ "$rep" = 1 ] && echo 1 || echo 0)" $args
  done
done;; esac
# 3. Concurrent inserts ("async"): inserts go on while the background thread
#    splits and expands; every build and target mode, REPS interleaved runs.
case " $PARTS " in *" async "*)
for rep in $(seq "$REPS"); do
  args="100000 300000 6 42 async url 1500 256"
  run unpatched unpatched off 0 $args
  run libsia-default patched "" 0 $args
  run libsia-stable patched stable 0 $args
  run libsia-exact patched exact 0 $args
done;; esac
