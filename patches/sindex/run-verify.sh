#!/bin/bash
# run-verify.sh -- builds verify.cpp against SIndex (sia-index/sia @ 7645a9c)
# three ways and runs each build RUNS times, interleaved, writing one CSV row
# per run and a raw log. Produces patches/sindex/results/*.
#
#   run-verify.sh SIA_DIR LIBSIA_PREFIX OUT_PREFIX RUNS [BUILDS] [-- verify options]
#
#   SIA_DIR        the artifact's tree at 7645a9c, untouched (git clone +
#                  checkout, or `git archive 7645a9c | tar -x`); only
#                  original/, test_config.h and lock.h are used
#   LIBSIA_PREFIX  where libsia is installed (make install PREFIX=...):
#                  include/sia.h and lib/libsia.so
#   OUT_PREFIX     writes OUT_PREFIX.csv and OUT_PREFIX.log
#   RUNS           runs per build
#   BUILDS         space-separated subset of: unpatched unpatched-exited patched
#                  (default: all three)
#   LIBSIA_DESC (environment) is copied into the log's header: say which
#                  libsia commit PREFIX holds.
#   verify options passed to every run (see verify.cpp), e.g. --bulk 2000000
#                  --insert 4000000; each run also gets --seed <run number>.
#
# Builds (work trees under $WORK, default /tmp/sindex-verify):
#   unpatched         the artifact as published; MKL replaced by stand-in
#                     headers over Debian's LAPACKE (mkl-standin.sh)
#   unpatched-exited  the same plus the one-line fix of IndexConfig::exited
#                     (true -> false), nothing else
#   patched           sindex-libsia.patch applied, linked to libsia
# All with the flags of the artifact's CMake Release build:
#   -std=c++14 -O3 -DNDEBUG -DNDEBUGGING -g -march=native -faligned-new
# or, with ASAN=1 in the environment, AddressSanitizer builds (-O1, asserts
# on); the log then holds each run's first AddressSanitizer report.
# Crashes: the process's signal, the last "phase" verify printed (bulk,
# batch k, destroy, exit) and, when gdb is installed, the crashing frame from
# the core file (cores are deleted after reading). Runs are niced and limited
# to $TIMEOUT seconds (default 300; a hang is reported as rc 124).
set -u
here=$(cd "$(dirname "$0")" && pwd)
SIA=${1:?SIA_DIR}; PREFIX=${2:?LIBSIA_PREFIX}; OUT=${3:?OUT_PREFIX}; RUNS=${4:?RUNS}
shift 4
BUILDS="unpatched unpatched-exited patched"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then BUILDS=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
VOPTS=("$@")
WORK=${WORK:-/tmp/sindex-verify}
TIMEOUT=${TIMEOUT:-300}
CXXFLAGS="-std=c++14 -O3 -DNDEBUG -DNDEBUGGING -g -march=native -faligned-new"
if [ -n "${ASAN:-}" ]; then  # AddressSanitizer builds (about 10x slower; use small sizes)
  CXXFLAGS="-std=c++14 -O1 -g -fsanitize=address -fno-omit-frame-pointer -DNDEBUGGING -march=native -faligned-new"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
fi
mkdir -p "$WORK" "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

tree() {  # tree BUILD: copy the artifact's files and modify them
  local d=$WORK/$1
  rm -rf "$d" && mkdir -p "$d" && cp -r "$SIA/original" "$SIA/test_config.h" "$SIA/lock.h" "$d/" || return 1
  case $1 in
    unpatched) ;;
    unpatched-exited) sed -i 's/volatile bool exited = true;/volatile bool exited = false;/' "$d/original/sindex_util.h"
                      grep -q 'volatile bool exited = false;' "$d/original/sindex_util.h" || return 1 ;;
    patched) patch -s -p1 -d "$d" < "$here/sindex-libsia.patch" || return 1 ;;
  esac
}

build() {  # build BUILD
  local d=$WORK/$1
  tree "$1" || { echo "cannot prepare $1" >&2; return 1; }
  if [ "$1" = patched ]; then
    (cd "$d" && nice -n 10 g++ $CXXFLAGS -I. -Ioriginal -I"$PREFIX/include" -DSIA_PATCHED \
      "$here/verify.cpp" -L"$PREFIX/lib" -lsia -lpthread -Wl,-rpath,"$PREFIX/lib" -o verify)
  else
    sh "$here/mkl-standin.sh" "$d/mkl-standin"
    (cd "$d" && nice -n 10 g++ $CXXFLAGS -I. -Ioriginal -Imkl-standin \
      "$here/verify.cpp" -llapacke -lpthread -o verify)
  fi
}

for b in $BUILDS; do build "$b" || exit 1; done

{
  echo "# run-verify.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# artifact: $SIA ($(cd "$SIA" && (git rev-parse --short HEAD 2>/dev/null || echo 'tree from git archive 7645a9c')))"
  echo "# libsia: $PREFIX ${LIBSIA_DESC:-}; patch sha256 $(sha256sum "$here/sindex-libsia.patch" | cut -c1-16)"
  echo "# compiler: $(g++ --version | head -1); flags: $CXXFLAGS"
  echo "# verify options: ${VOPTS[*]:-(defaults)} --seed <run>"
} > "$OUT.log"
echo "build,run,seed,rc,signal,crash_phase,crash_frame,keys,checks,lost,insert_mops,get_mops,memo_models,memo_hits,compaction_fits,incremental_fits,wall_s,asan_report" > "$OUT.csv"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }

for run in $(seq 1 "$RUNS"); do
  for b in $BUILDS; do
    d=$WORK/$b/run$run
    rm -rf "$d" && mkdir -p "$d"
    t0=$(date +%s.%N)
    (cd "$d" && ulimit -c unlimited && exec timeout "$TIMEOUT" nice -n 10 ../verify "${VOPTS[@]}" --seed "$run" > out.txt 2> err.txt)
    rc=$?
    wall=$(printf "%.1f" "$(echo "$(date +%s.%N) - $t0" | bc)")
    sig=""; phase=""; frame=""
    if [ $rc -gt 128 ] && [ $rc -ne 124 ]; then
      sig=$(kill -l $((rc - 128)) 2>/dev/null)
      phase=$(grep '^phase' "$d/err.txt" | tail -1 | sed 's/^phase //')
      core=$(ls "$d"/core* 2>/dev/null | head -1)
      if [ -n "$core" ] && command -v gdb > /dev/null; then
        # the crashing thread's innermost frame inside SIndex or verify
        gdb -q -batch -ex bt "$WORK/$b/verify" "$core" > "$d/bt.txt" 2>&1
        frame=$(grep -E '^#[0-9]+ ' "$d/bt.txt" | grep -E 'sindex::|main|run<' | head -1 |
                sed -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?//; s/ \(.*//' | tr ',' ';' | cut -c1-120)
        rm -f "$core"
      fi
    elif [ $rc -eq 124 ]; then
      phase="timeout: $(grep '^phase' "$d/err.txt" | tail -1 | sed 's/^phase //')"
    fi
    res=$(grep '^RESULT' "$d/out.txt")
    echo "$b,$run,$run,$rc,$sig,$phase,$frame,$(field keys "$res"),$(field checks "$res"),$(field lost "$res"),$(field insert_mops "$res"),$(field get_mops "$res"),$(field memo_models "$res"),$(field memo_hits "$res"),$(field compaction_fits "$res"),$(field incremental_fits "$res"),$wall,$(grep -q 'ERROR: AddressSanitizer' "$d/err.txt" && grep -m1 '^SUMMARY: AddressSanitizer' "$d/err.txt" | cut -d' ' -f3 || true)" >> "$OUT.csv"
    {
      echo "== $b run $run (seed $run): rc $rc${sig:+ ($sig)}${phase:+, last phase: $phase}, ${wall}s"
      cat "$d/out.txt"
      grep -v '^phase' "$d/err.txt" | grep -v AddressSanitizer | tail -5
      grep -A40 'ERROR: AddressSanitizer' "$d/err.txt" | head -40
      [ -f "$d/bt.txt" ] && grep -E '^#[0-9]+ ' "$d/bt.txt" | head -8
    } >> "$OUT.log"
    tail -1 "$OUT.csv"
  done
done
