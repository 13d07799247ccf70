#!/bin/sh
# check_symbols.sh LIB HEADER -- the dynamic symbols LIB defines are exactly
# the functions HEADER declares, plus the Go runtime's own cgo entry points
# (_cgo_*, x_cgo_*, crosscall*, fatalf), which c-shared Go libraries always
# export. Prints the differences and exits 1 if there are any.
set -eu
lib=$1 header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWwDdBbRrVvi]$/ {print $3}' |
  grep -Ev '^(_cgo_|_cgoexp_|x_cgo_|x_crosscall2_ptr$|crosscall[12]$|fatalf$|_init$|_fini$)' | sort -u > "$tmp/exported"
# A declaration: a line starting with a type, then the function's name and
# its opening parenthesis (sia.h writes one prototype per line start).
grep -E '^[A-Za-z_][A-Za-z0-9_ ]*[ *]+[a-z_][a-z0-9_]*\(' "$header" |
  sed -E 's/^.*[ *]([a-z_][a-z0-9_]*)\(.*$/\1/' | sort -u > "$tmp/declared"
if ! diff "$tmp/declared" "$tmp/exported" > "$tmp/diff"; then
  echo "$lib exports differ from $header ('<' declared only, '>' exported only):"
  grep '^[<>]' "$tmp/diff"
  exit 1
fi
echo "symbols: $(wc -l < "$tmp/exported") exported functions, exactly those of $header"
