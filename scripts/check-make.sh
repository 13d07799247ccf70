#!/bin/sh
# check-make.sh -- the Makefile keeps the promises README and `make help`
# make (`make makecheck`, part of `make test`):
#   1. `make help` names every .PHONY target (but `all`, which is plain
#      `make`), and every target it names exists;
#   2. `make bench-index` and `make bench` write nothing under bench/ (the
#      committed figure data); only `make figures FULL=1` does;
#   3. the Go version README.md and docs/ ask for is go.mod's, and the
#      wheel version they name is the Makefile's;
#   3c. every relative link of README.md and docs/*.md resolves;
#   4. `make test` runs every part to the end and closes with
#      "make test: N passed, N failed", failing if one did.
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
fail=0
bad() { echo "check-make: $*"; fail=1; }

# 1. help vs targets
help=$($MAKE -s --no-print-directory help)
phony=$(sed -n 's/^\.PHONY://p' Makefile | tr ' ' '\n' | sed '/^$/d')
for t in $phony; do
  case $t in all | help) continue ;; esac
  printf '%s\n' "$help" | grep -qw -- "$t" || bad "make help does not mention '$t'"
done
for t in $(printf '%s\n' "$help" | sed -n 's/^ *make \([a-z][a-z-]*\).*/\1/p'); do
  printf '%s\n' "$phony" | grep -qx -- "$t" || bad "make help names '$t', which is not a .PHONY target"
done
for t in $(printf '%s\n' "$help" | sed -n 's/^ *make \([a-z][a-z -]*\)$/\1/p'); do
  printf '%s\n' "$phony" | grep -qx -- "$t" || bad "make help names '$t', which is not a .PHONY target"
done

# 2. benchmarks write to build/
for t in bench-index bench; do
  out=$($MAKE -n --no-print-directory $t 2>&1) || bad "make -n $t failed: $out"
  if printf '%s\n' "$out" | grep -E '(^|[ =>])(\./)?bench/' | grep -v 'bench/results-devmachine.csv -out bench$' >/dev/null; then
    bad "make $t writes under bench/ (committed data):"
    printf '%s\n' "$out" | grep -E '(^|[ =>])(\./)?bench/'
  fi
done
grep -q '"out", "build/' cmd/sia-bench/main.go || bad "cmd/sia-bench's -out default is not under build/"
$MAKE -n --no-print-directory figures FULL=1 2>/dev/null | grep -q 'bench-index BENCH_INDEX_OUT=bench/index' ||
  bad "make figures FULL=1 no longer regenerates bench/index"

# 3. Go version
gomod=$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' go.mod)
for f in README.md docs/*.md; do
  [ -f "$f" ] || continue
  grep -o 'Go ≥ [0-9.]*[0-9]\|Go [0-9]\.[0-9]* or later\|Go [0-9]\.[0-9]*+' "$f" | while read -r m; do
    v=$(printf '%s\n' "$m" | grep -o '[0-9]\.[0-9]*')
    [ "$v" = "$gomod" ] || { echo "check-make: $f asks for '$m', go.mod for $gomod"; echo x >>"${TMPDIR:-/tmp}/check-make.$$"; }
  done
done
[ -e "${TMPDIR:-/tmp}/check-make.$$" ] && { rm -f "${TMPDIR:-/tmp}/check-make.$$"; fail=1; }
grep -q "Go ≥ $gomod" README.md || bad "README.md does not say 'Go ≥ $gomod' (go.mod)"

# 3b. the version README.md and docs/ name for the wheel is the Makefile's
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
for v in $(grep -oh 'sia-[0-9][0-9.]*[0-9]-py3' README.md docs/*.md | sort -u); do
  [ "$v" = "sia-$version-py3" ] || bad "README.md or docs/ name the wheel $v, the Makefile builds version $version"
done

# 3c. every relative link of README.md and docs/*.md names a file that exists
broken=$(python3 - <<'PY'
import pathlib, re
root = pathlib.Path(".").resolve()
for f in [root / "README.md"] + sorted((root / "docs").glob("*.md")):
    for m in re.finditer(r"\]\(([^)\s]+)\)", f.read_text()):
        link = m.group(1).split("#")[0]
        if not link or re.match(r"[a-z]+:", link):
            continue
        target = root / link.lstrip("/") if link.startswith("/") else f.parent / link
        if not target.exists():
            print(f"{f.relative_to(root)}: {m.group(1)}")
PY
)
[ -z "$broken" ] || bad "links to files that do not exist:
$broken"

# 4. the summary of make test (one part that passes, one that cannot)
out=$($MAKE --no-print-directory test TEST_PARTS="help no-such-part-of-make-test" 2>&1)
rc=$?
last=$(printf '%s\n' "$out" | grep -Ev '^make(\[[0-9]+\])?: \*\*\* ' | tail -n 1) # make's own "Error 1" line follows
[ "$last" = "make test: 1 passed, 1 failed (failed: no-such-part-of-make-test)" ] ||
  bad "make test's last line is '$last'"
[ $rc -ne 0 ] || bad "make test exited 0 with a failed part"

if [ $fail -eq 0 ]; then echo "check-make: help names every target, benchmarks write to build/, Go $gomod as go.mod, wheel $version, make test summarizes"; fi
exit $fail
