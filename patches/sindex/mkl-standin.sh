#!/bin/sh
# mkl-standin.sh DIR -- writes stand-in mkl.h and mkl_lapacke.h into DIR so the
# UNPATCHED SIndex (sia-index/sia @ 7645a9c, original/sindex_model.h) builds
# without Intel MKL: its only MKL use is LAPACKE_dgelss, which Debian's
# LAPACKE (liblapacke-dev, over OpenBLAS or reference LAPACK) provides with the
# same signature. Build with -IDIR and link -llapacke. The patched build needs
# neither (it includes <sia.h> and links -lsia).
set -eu
dir=${1:?usage: mkl-standin.sh DIR}
mkdir -p "$dir"
printf '/* Stand-in for Intel MKL'"'"'s mkl.h (mkl-standin.sh): nothing is used from it. */\n' > "$dir/mkl.h"
printf '/* Stand-in for mkl_lapacke.h (mkl-standin.sh): LAPACKE_dgelss from LAPACKE. */\n#include <lapacke.h>\n' > "$dir/mkl_lapacke.h"
