#!/bin/sh
# gpu-kit.sh -- prepare, on a build machine with Go and Debian's apt, the kit
# that scripts/gpu-check.sh runs on a GPU machine without package registries
# or Go:
#   <kit>/ocl/           Debian's ocl-icd-libopencl1 unpacked with dpkg -x (the
#                        OpenCL ICD loader: usr/lib/x86_64-linux-gnu/libOpenCL.so.1)
#   <kit>/opencl.test    go test -c ./device/opencl (the engine suite on the device)
#   <kit>/sia-devices    the device lister
#   <kit>/sia-devbench   the device benchmark
#   <kit>/MANIFEST       versions, commit, the newest glibc symbol version needed
#
# Usage: scripts/gpu-kit.sh [kit-dir]      (default build/gpu-kit)
# When `apt-get download` cannot reach a mirror, the loader is copied from
# the installed ocl-icd-libopencl1 package instead (same files).
set -eu
KIT=${1:-build/gpu-kit}
GO=${GO:-go}
cd "$(dirname "$0")/.."
mkdir -p "$KIT"
KIT=$(cd "$KIT" && pwd)

# The OpenCL ICD loader, from the Debian package.
if [ ! -e "$KIT/ocl/usr/lib/x86_64-linux-gnu/libOpenCL.so.1" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	if (cd "$tmp" && apt-get download ocl-icd-libopencl1 >/dev/null 2>&1); then
		dpkg -x "$tmp"/ocl-icd-libopencl1_*.deb "$KIT/ocl"
		src="apt-get download $(basename "$tmp"/ocl-icd-libopencl1_*.deb)"
	elif dpkg -s ocl-icd-libopencl1 >/dev/null 2>&1; then
		dpkg -L ocl-icd-libopencl1 | while read -r f; do
			[ -f "$f" ] || [ -L "$f" ] || continue
			mkdir -p "$KIT/ocl$(dirname "$f")"
			cp -P "$f" "$KIT/ocl$f"
		done
		src="installed ocl-icd-libopencl1 $(dpkg-query -W -f '${Version}' ocl-icd-libopencl1) (apt-get download failed)"
	else
		echo "gpu-kit: cannot get ocl-icd-libopencl1 (no mirror, not installed)" >&2
		exit 1
	fi
	echo "$src" >"$KIT/ocl/SOURCE"
fi

# Prebuilt binaries (stripped; they dlopen libOpenCL.so.1 and link libc only).
LDF="-s -w"
nice $GO test -c -ldflags="$LDF" -o "$KIT/opencl.test" ./device/opencl
nice $GO build -ldflags="$LDF" -o "$KIT/sia-devices" ./cmd/sia-devices
nice $GO build -ldflags="$LDF" -o "$KIT/sia-devbench" ./cmd/sia-devbench

glibc=$(for b in "$KIT/opencl.test" "$KIT/sia-devices" "$KIT/sia-devbench" "$KIT/ocl/usr/lib/x86_64-linux-gnu/libOpenCL.so.1"; do
	objdump -T "$b" 2>/dev/null | grep -o 'GLIBC_[0-9.]*'
done | sort -t. -k2,2n -k3,3n -u | tail -n 1)
{
	echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "go $($GO env GOVERSION)"
	echo "loader $(cat "$KIT/ocl/SOURCE")"
	echo "needs ${glibc:-unknown} or newer"
} >"$KIT/MANIFEST"
cat "$KIT/MANIFEST"
du -sh "$KIT" | sed 's/^/size /'
