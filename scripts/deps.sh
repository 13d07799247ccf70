#!/bin/sh
# deps.sh -- the Debian packages libsia's tests and tools need, and why.
# Prints what is missing and, as root, installs it (saying what and why);
# otherwise prints the apt-get line to run. `make deps` runs it; `make
# test` runs `make deps` first. With --list it only prints the table.
set -eu

# package                 why
TABLE='
gcc                       cgo (libsia.so is a Go c-shared library) and the C tests
g++                       the C++ wrapper test and the small C++ learned index
make                      this build
pkg-config                make install-test: building a consumer with pkg-config
cmake                     make install-test: building a consumer with find_package(sia)
liblapacke-dev            the C tests compare libsia with LAPACKE_dgels
libopenblas-dev           make bench: OpenBLAS dtpqrt/dgels/dgemm as the baseline
liblapack-test            make xlintstd: LAPACK own least-squares tests through the shim
pocl-opencl-icd           the OpenCL engine tests run on PoCL (a CPU OpenCL driver)
ocl-icd-libopencl1        the OpenCL ICD loader libsia dlopens
python3                   the Python binding and the figure scripts
python3-numpy             the Python binding
python3-venv              make pyinstall-test: fresh virtual environments
python3-pip               make pyinstall-test: pip install and the offline wheel
python3-setuptools        make wheel: building the wheel offline
python3-wheel             make wheel: building the wheel offline
python3-sklearn           make pytest: sia.LinearModel against scikit-learn
'

table() { printf '%s\n' "$TABLE" | sed '/^$/d'; }

if [ "${1:-}" = --list ]; then
  table
  exit 0
fi

missing=""
reasons=""
while read -r pkg why; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1; then
    missing="$missing $pkg"
    reasons="$reasons  $pkg: $why
"
  fi
done <<EOT
$(table)
EOT

if [ -z "$missing" ]; then
  echo "deps: all $(table | wc -l) Debian packages present (scripts/deps.sh --list says what each is for)"
  exit 0
fi
printf 'deps: missing Debian packages, and what needs them:\n%s' "$reasons"
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing:$missing (apt-get install --no-install-recommends)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  echo "deps: installed:$missing"
else
  echo "deps: run as root:"
  echo "  apt-get update && apt-get install -y --no-install-recommends$missing"
  exit 1
fi
