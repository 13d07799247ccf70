#!/bin/sh
# check_binding.sh LIBPATTERN PRELOAD PROGRAM [ARGS...] -- run PROGRAM (its
# stdout passes through; PRELOAD, unless empty, in LD_PRELOAD for PROGRAM
# alone) with the dynamic linker's binding log on, and fail unless
# the program's own references to LAPACKE_dgels and dgels_ were bound to a
# library whose path matches the grep -E pattern LIBPATTERN. Without this,
# `make shimtest` could not tell an LD_PRELOAD that took effect from one that
# did not: the outputs are identical either way.
set -eu
want=$1 preload=$2
shift 2
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
if [ -n "$preload" ]; then
  LD_PRELOAD=$preload LD_DEBUG=bindings LD_DEBUG_OUTPUT="$log/ld" "$@"
else
  LD_DEBUG=bindings LD_DEBUG_OUTPUT="$log/ld" "$@"
fi
prog=$(basename "$1")
for sym in LAPACKE_dgels dgels_; do
  line=$(cat "$log"/ld.* | grep -E "binding file [^ ]*/$prog \[0\] to .*: normal symbol \`$sym'" | head -n 1 || true)
  if [ -z "$line" ]; then
    echo "check_binding: $prog never bound $sym" >&2
    exit 1
  fi
  lib=$(echo "$line" | sed -E 's/.* to ([^ ]*) \[0\].*/\1/')
  if ! echo "$lib" | grep -qE "$want"; then
    echo "check_binding: $prog's $sym bound to $lib, not to /$want/" >&2
    exit 1
  fi
  echo "check_binding: $prog: $sym -> $lib" >&2
done
