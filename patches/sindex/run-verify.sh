#!/bin/bash
# run-verify.sh -- the end-to-end harness: builds verify.cpp against SIndex
# (sia-index/sia @ 7645a9c) unpatched and patched, runs every configuration
# RUNS times, interleaved, and writes one CSV row per run and a raw log.
# Produces patches/sindex/results/*.
#
#   run-verify.sh SIA_DIR LIBSIA_PREFIX OUT_PREFIX RUNS [CONFIGS] [-- verify options]
#
#   SIA_DIR        the artifact's tree at 7645a9c, untouched (git clone +
#                  checkout, or `git archive 7645a9c | tar -x`); only
#                  original/, test_config.h and lock.h are used
#   LIBSIA_PREFIX  where libsia is installed (make install PREFIX=...):
#                  include/sia.h and lib/libsia.so
#   OUT_PREFIX     writes OUT_PREFIX.csv and OUT_PREFIX.log
#   RUNS           runs per configuration
#   CONFIGS        space-separated subset of (default: all four)
#                    unpatched  the artifact with the one-line fix of
#                               IndexConfig::exited (true -> false) and
#                               instrument.patch (training counters only);
#                               MKL replaced by stand-in headers over
#                               Debian's LAPACKE/OpenBLAS (mkl-standin.sh)
#                    off        sindex-libsia.patch, SIA_SINDEX_TARGETS=off
#                               (memo off: every fit libsia's cold_train)
#                    shifted    the patch, SIA_SINDEX_TARGETS=shifted
#                    stable     the patch, SIA_SINDEX_TARGETS=stable
#                    stable:L   the patch, stable, SIA_SINDEX_LIMIT=L
#   LIBSIA_DESC (environment) is copied into the log's header: say which
#                  libsia commit PREFIX holds.
#   verify options passed to every run (see verify.cpp), e.g. --key-len 64;
#                  each run also gets --seed <run number>.
#
# Work trees under $WORK (default /tmp/sindex-verify). Flags of the
# artifact's CMake Release build: -std=c++14 -O3 -DNDEBUG -DNDEBUGGING -g
# -march=native -faligned-new; with ASAN=1, AddressSanitizer builds (-O1,
# asserts on; the log holds each run's first report). Every run is niced,
# single-threaded BLAS (OPENBLAS_NUM_THREADS=1; libsia trains on one thread
# by default) and limited to $TIMEOUT seconds (default 300; a hang is rc 124).
# Crashes: the signal, the last "phase" verify printed (bulk, batch k,
# destroy, exit) and, with gdb, the crashing frame from the core file.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SIA=${1:?SIA_DIR}; PREFIX=${2:?LIBSIA_PREFIX}; OUT=${3:?OUT_PREFIX}; RUNS=${4:?RUNS}
shift 4
CONFIGS="unpatched off shifted stable"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then CONFIGS=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
VOPTS=("$@")
WORK=${WORK:-/tmp/sindex-verify}
TIMEOUT=${TIMEOUT:-300}
CXXFLAGS="-std=c++14 -O3 -DNDEBUG -DNDEBUGGING -g -march=native -faligned-new"
if [ -n "${ASAN:-}" ]; then  # AddressSanitizer builds (about 10x slower; use small sizes)
  CXXFLAGS="-std=c++14 -O1 -g -fsanitize=address -fno-omit-frame-pointer -DNDEBUGGING -march=native -faligned-new"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
fi
export OPENBLAS_NUM_THREADS=1
mkdir -p "$WORK" "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

build() {  # build unpatched|patched: copy the artifact's files, modify, compile
  local d=$WORK/$1
  rm -rf "$d" && mkdir -p "$d" && cp -r "$SIA/original" "$SIA/test_config.h" "$SIA/lock.h" "$d/" || return 1
  if [ "$1" = patched ]; then
    patch -s -p1 -d "$d" < "$here/sindex-libsia.patch" || return 1
    (cd "$d" && nice -n 10 g++ $CXXFLAGS -I. -Ioriginal -I"$PREFIX/include" -DSIA_PATCHED \
      "$here/verify.cpp" -L"$PREFIX/lib" -lsia -lpthread -Wl,-rpath,"$PREFIX/lib" -o verify)
  else
    patch -s -p1 -d "$d" < "$here/instrument.patch" || return 1
    sed -i 's/volatile bool exited = true;/volatile bool exited = false;/' "$d/original/sindex_util.h"
    grep -q 'volatile bool exited = false;' "$d/original/sindex_util.h" || return 1
    sh "$here/mkl-standin.sh" "$d/mkl-standin"
    (cd "$d" && nice -n 10 g++ $CXXFLAGS -I. -Ioriginal -Imkl-standin \
      "$here/verify.cpp" -llapacke -lpthread -o verify)
  fi
}

need_unpatched=0; need_patched=0
for c in $CONFIGS; do
  case $c in unpatched) need_unpatched=1;; off|shifted|stable|stable:*) need_patched=1;;
    *) echo "unknown configuration $c" >&2; exit 2;; esac
done
[ $need_unpatched = 1 ] && { build unpatched || { echo "cannot build unpatched" >&2; exit 1; }; }
[ $need_patched = 1 ] && { build patched || { echo "cannot build patched" >&2; exit 1; }; }

{
  echo "# run-verify.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# artifact: $SIA ($(cd "$SIA" && (git rev-parse --short HEAD 2>/dev/null || echo 'tree from git archive 7645a9c')))"
  echo "# libsia: $PREFIX ${LIBSIA_DESC:-}; patch sha256 $(sha256sum "$here/sindex-libsia.patch" | cut -c1-16), instrument.patch $(sha256sum "$here/instrument.patch" | cut -c1-16)"
  echo "# compiler: $(g++ --version | head -1); flags: $CXXFLAGS"
  echo "# verify options: ${VOPTS[*]:-(defaults)} --seed <run>; configurations: $CONFIGS"
} > "$OUT.log"
cols="config,run,seed,rc,signal,crash_phase,crash_frame,load1,key_len,keys,checks,lost,insert_mops,get_mops"
cols="$cols,memo_models,compaction_fits,incremental_fits,over_bound,rows,new_rows,cols,span"
cols="$cols,whole_ms,solver_ms,incre_ms,walk_ms,bounds_ms,bg_cpu_s,wall_s,asan_report"
echo "$cols" > "$OUT.csv"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }

for run in $(seq 1 "$RUNS"); do
  for c in $CONFIGS; do
    bin=patched; mode=${c%%:*}; limit=""
    [ "$c" = unpatched ] && bin=unpatched
    [ "$c" != "${c#stable:}" ] && limit=${c#stable:}
    d=$WORK/$bin/run-$c-$run
    rm -rf "$d" && mkdir -p "$d"
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s.%N)
    (cd "$d" && ulimit -c unlimited && SIA_SINDEX_TARGETS=$mode SIA_SINDEX_LIMIT=$limit \
      exec timeout "$TIMEOUT" nice -n 10 ../verify "${VOPTS[@]}" --seed "$run" > out.txt 2> err.txt)
    rc=$?
    wall=$(printf "%.1f" "$(echo "$(date +%s.%N) - $t0" | bc)")
    sig=""; phase=""; frame=""
    if [ $rc -gt 128 ] && [ $rc -ne 124 ]; then
      sig=$(kill -l $((rc - 128)) 2>/dev/null)
      phase=$(grep '^phase' "$d/err.txt" | tail -1 | sed 's/^phase //')
      core=$(ls "$d"/core* 2>/dev/null | head -1)
      if [ -n "$core" ] && command -v gdb > /dev/null; then
        gdb -q -batch -ex bt "$WORK/$bin/verify" "$core" > "$d/bt.txt" 2>&1
        frame=$(grep -E '^#[0-9]+ ' "$d/bt.txt" | grep -E 'sindex::|main|run<' | head -1 |
                sed -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?//; s/ \(.*//' | tr ',' ';' | cut -c1-120)
        rm -f "$core"
      fi
    elif [ $rc -eq 124 ]; then
      phase="timeout: $(grep '^phase' "$d/err.txt" | tail -1 | sed 's/^phase //')"
    fi
    res=$(grep '^RESULT' "$d/out.txt")
    row="$c,$run,$run,$rc,$sig,$phase,$frame,$load"
    for f in key_len keys checks lost insert_mops get_mops memo_models compaction_fits incremental_fits \
             over_bound rows new_rows cols span whole_ms solver_ms incre_ms walk_ms bounds_ms bg_cpu_s; do
      row="$row,$(field $f "$res")"
    done
    asan=$(grep -q 'ERROR: AddressSanitizer' "$d/err.txt" && grep -m1 '^SUMMARY: AddressSanitizer' "$d/err.txt" | cut -d' ' -f3)
    echo "$row,$wall,$asan" >> "$OUT.csv"
    {
      echo "== $c run $run (seed $run): rc $rc${sig:+ ($sig)}${phase:+, last phase: $phase}, ${wall}s, load $load"
      cat "$d/out.txt"
      grep -v '^phase' "$d/err.txt" | grep -v AddressSanitizer | tail -5
      grep -A40 'ERROR: AddressSanitizer' "$d/err.txt" | head -40
      [ -f "$d/bt.txt" ] && grep -E '^#[0-9]+ ' "$d/bt.txt" | head -8
    } >> "$OUT.log"
    tail -1 "$OUT.csv"
  done
done
