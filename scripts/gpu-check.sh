#!/bin/bash
# gpu-check.sh -- run libsia's OpenCL engine on an NVIDIA GPU from a kit made
# by scripts/gpu-kit.sh, on a machine with the GPU and its driver but no
# package registries and no Go; on a machine without NVIDIA's OpenCL driver
# (or with --pocl) it runs against PoCL instead (CI's smoke run).
#
#   1. the OpenCL ICD loader comes from the kit (Debian's ocl-icd-libopencl1,
#      unpacked with dpkg -x); an ICD file naming the driver's
#      libnvidia-opencl.so.1 (or PoCL's libpocl.so.2) is written under the
#      output directory and OCL_ICD_VENDORS points at it, so the loader sees
#      that driver only;
#   2. sia-devices lists what libsia sees (devices.txt);
#   3. the engine's tests, with the shared engine suite, run on the device
#      (SIA_REQUIRE_OPENCL=1; on NVIDIA every test's device must be the GPU)
#      (tests.txt);
#   4. sia-devbench times µs per job on the device against the CPU engine
#      with 1 and 2 workers (devbench.csv, devbench.txt).
# Everything runs within --limit seconds (default 290: the GPU machine's
# 5-minute limit); each step has its own share, and the benchmark skips
# cells that would pass its budget.
#
# Usage: scripts/gpu-check.sh [--kit DIR] [--out DIR] [--pocl] [--quick] [--limit S]
#   --quick: the short grid and test selection of `make gpu-check-smoke`.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=build/gpu-kit
OUT=build/gpu-check
MODE=auto
QUICK=0
LIMIT=290
while [ $# -gt 0 ]; do
	case $1 in
	--kit) KIT=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--pocl) MODE=pocl; shift ;;
	--nvidia) MODE=nvidia; shift ;;
	--quick) QUICK=1; shift ;;
	--limit) LIMIT=$2; shift 2 ;;
	*) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
	esac
done
START=$(date +%s)
left() { echo $((LIMIT - ($(date +%s) - START))); }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
KIT=$(cd "$KIT" && pwd)
for f in opencl.test sia-devices sia-devbench; do
	[ -x "$KIT/$f" ] || { echo "gpu-check: $KIT/$f missing: run scripts/gpu-kit.sh first" >&2; exit 1; }
done
LOADER=$(ls "$KIT"/ocl/usr/lib/*/libOpenCL.so.1* 2>/dev/null | head -n 1)
[ -n "$LOADER" ] || { echo "gpu-check: no libOpenCL.so.1 under $KIT/ocl" >&2; exit 1; }

# The driver: NVIDIA's OpenCL ICD library if present, else PoCL's.
find_lib() { # name: the first match in the usual driver places
	local name=$1 d
	for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib \
		/usr/lib/x86_64-linux-gnu/nvidia/current /usr/local/cuda/compat /usr/local/cuda/lib64; do
		[ -e "$d/$name" ] && { echo "$d/$name"; return 0; }
	done
	ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { print $NF; exit }'
}
NV=""
[ "$MODE" = pocl ] || NV=$(find_lib libnvidia-opencl.so.1)
if [ -n "$NV" ]; then
	DRIVER=nvidia ICDLIB=$NV
elif [ "$MODE" = nvidia ]; then
	echo "gpu-check: --nvidia but no libnvidia-opencl.so.1 found" >&2; exit 1
else
	DRIVER=pocl ICDLIB=$(find_lib libpocl.so.2)
	[ -n "$ICDLIB" ] || { echo "gpu-check: neither libnvidia-opencl.so.1 nor libpocl.so.2 found" >&2; exit 1; }
fi
mkdir -p "$OUT/icd"
rm -f "$OUT"/icd/*.icd
echo "$ICDLIB" >"$OUT/icd/$DRIVER.icd"
export OCL_ICD_VENDORS=$OUT/icd
export SIA_OPENCL_LIB=$LOADER
export SIA_REQUIRE_OPENCL=1
if [ "$DRIVER" = pocl ]; then
	export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$OUT/pocl-cache}
	mkdir -p "$POCL_CACHE_DIR"
fi
{
	echo "date $(date -u +%FT%TZ)"
	echo "host $(hostname) $(uname -srm)"
	echo "driver $DRIVER $ICDLIB"
	echo "loader $LOADER"
	cat "$KIT/MANIFEST"
	command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/gpu /'
	echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
} >"$OUT/env.txt" 2>&1 || true
cat "$OUT/env.txt"

status=0
step() { # name seconds command...: run with a time limit, log to OUT/name.txt
	local name=$1 secs=$2
	shift 2
	[ "$secs" -gt "$(left)" ] && secs=$(left)
	if [ "$secs" -le 5 ]; then
		echo "== $name: skipped, out of time" | tee "$OUT/$name.txt"
		status=1
		return
	fi
	echo "== $name (limit ${secs}s)"
	local t0 rc=0
	t0=$(date +%s)
	timeout -k 5 "$secs" "$@" >"$OUT/$name.txt" 2>&1 || rc=$?
	echo "   rc $rc, $(($(date +%s) - t0)) s"
	[ $rc -eq 0 ] || { status=1; tail -n 30 "$OUT/$name.txt"; }
	return 0
}

step devices 30 "$KIT/sia-devices"
cat "$OUT/devices.txt"
if [ "$DRIVER" = nvidia ] && ! grep -q 'type gpu' "$OUT/devices.txt"; then
	echo "gpu-check: the NVIDIA ICD shows no GPU device" >&2
	status=1
fi

# The engine tests (the shared suite: cold, incremental, batches; the GPU
# configurations; binaries; scaled data) on the device the engine picks,
# which is the only driver's device.
if [ $QUICK = 1 ]; then
	RUN='^(TestColdOnDevice|TestIncreOnDevice|TestBatchOnDevice|TestConfigFor|TestFP64Capable)$'
	TESTSECS=60
else
	RUN='.'
	TESTSECS=150
fi
step tests $TESTSECS "$KIT/opencl.test" -test.v -test.count=1 -test.run "$RUN" -test.timeout "${TESTSECS}s"
grep -E '^(--- |ok|FAIL|PASS)' "$OUT/tests.txt" | grep -v '^    ' | tail -n 20 || true
if [ "$DRIVER" = nvidia ] && grep 'device: opencl' "$OUT/tests.txt" | grep -qv ' gpu '; then
	echo "gpu-check: a test ran on a device other than the GPU" >&2
	status=1
fi

# The device benchmark: whatever time is left, less a margin.
if [ $QUICK = 1 ]; then
	GRID=(-n 17 -k 64 -batches 1,10,100 -mintime 20ms)
else
	GRID=(-n 17,33,65 -k 64,1000 -batches 1,10,100,1000,10000 -mintime 200ms)
fi
BUDGET=$(( $(left) - 25 ))
[ $BUDGET -gt 5 ] || BUDGET=5
step devbench $((BUDGET + 20)) "$KIT/sia-devbench" -out "$OUT/devbench.csv" -budget "${BUDGET}s" "${GRID[@]}"
tail -n 4 "$OUT/devbench.txt"
echo "gpu-check: $DRIVER, $(( $(date +%s) - START )) s, status $status; results in $OUT"
exit $status
