#!/bin/sh
# mutate.sh [PKG...] -- mutation testing (`make mutate`; docs/mutation.md).
#
# Runs gremlins (github.com/go-gremlins/gremlins, pinned below; fetched by
# `go run` from the module proxy) over each Go package given (default:
# solver memo device/cpu index/aidel capi), one package at a time, with one
# worker and the -short test suite, then prints per package the score --
# (killed + timed out) / (killed + timed out + lived), over the mutants that
# some test of the package reaches -- and every surviving mutant as
# file:line:column and mutator. For capi, a cgo main package that only the C
# tests exercise, the committed list scripts/capi-mutants.txt is applied one
# mutant at a time to a copy of the tree instead (scripts/capi-mutate.sh).
#
# Environment: MUTATE_OUT (default build/mutate) receives one JSON report
# per package, the C-API log, and per package the text printed here
# (<pkg>.txt: commit, date, load, wall time, score, survivors -- what
# bench/mutation/ keeps); GREMLINS_WORKERS (default 1);
# MUTATE_CAPI=0 skips the C-API mutants. Not part of `make test`: it is
# slow (docs/mutation.md gives the run times).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
out=${MUTATE_OUT:-build/mutate}
mkdir -p "$out"
case $out in /*) ;; *) out=$root/$out ;; esac
gremlins="go run github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0"
pkgs=${*:-solver memo device/cpu index/aidel capi}
# header PKG DIR: the run's provenance, as the first lines of its report.
header() {
  dirty=$(git status --porcelain -- "$2" 2>/dev/null | grep -c . || true)
  echo "== $1"
  echo "   commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown) ($2: $dirty uncommitted files), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
for p in $pkgs; do
  [ "$p" = capi ] && continue
  name=$(echo "$p" | tr / _)
  header "$p" "$p" | tee "$out/$name.txt"
  start=$(date +%s)
  # -short: the suites' long variants (crash loop, big sweeps) add time but
  # no mutant kills; --timeout-coefficient: a loaded machine must not turn
  # slow runs into "timed out" (counted as killed).
  (cd "$p" && GOFLAGS=-short nice -n 10 $gremlins unleash --workers "${GREMLINS_WORKERS:-1}" \
     --timeout-coefficient 5 --silent -o "$out/$name.json") || true
  { echo "   wall time $(( $(date +%s) - start )) s, load average after $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 - "$out/$name.json" "$p" <<'PY'
import json, sys
path, pkg = sys.argv[1], sys.argv[2]
try:
    r = json.load(open(path))
except (OSError, ValueError) as e:
    sys.exit("mutate: no report for %s: %s" % (pkg, e))
k, l = r["mutants_killed"], r["mutants_lived"]
timed = sum(1 for f in r["files"] for m in f["mutations"] if m["status"] == "TIMED OUT")
k += timed  # a mutant that makes the tests hang is detected too
score = 100.0 * k / (k + l) if k + l else float("nan")
print("   %s: score %.1f%% (%d killed of them %d timed out, %d lived; %d not covered, %d not viable)"
      % (pkg, score, k, timed, l, r["mutants_not_covered"], r["mutants_not_viable"]))
for f in sorted(r["files"], key=lambda f: f["file_name"]):
    for m in sorted(f["mutations"], key=lambda m: (m["line"], m["column"])):
        if m["status"] == "LIVED":
            print("   survived: %s:%d:%d %s" % (f["file_name"], m["line"], m["column"], m["type"]))
PY
  } | tee -a "$out/$name.txt"
done
case " $pkgs " in
*" capi "*) [ "${MUTATE_CAPI:-1}" = 0 ] || sh scripts/capi-mutate.sh "$out/capi.log" | tee "$out/capi.txt" ;;
esac
# summary.md (one line) and table.md from every <pkg>.txt in $out, this
# run's or an earlier one's: the figures README.md and docs/mutation.md show
# (bench/mutation/ keeps the committed copies).
python3 - "$out" <<'PY'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
order = ["solver", "memo", "device_cpu", "index_aidel", "capi"]
reps = {}
for f in out.glob("*.txt"):
    t = f.read_text()
    head = re.search(r"^   commit (\S+) .*?, (\d{4}-\d\d-\d\d \d\d:\d\d UTC), (\d+) cores, load average (\S+)", t, re.M)
    wall = re.search(r"^   wall time (\d+) s", t, re.M)
    score = re.search(r"^   (\S+): score ([\d.]+)% \((\d+) killed(?: of them \d+ timed out)?, (\d+) lived(?:; (\d+) not covered)?", t, re.M)
    if head and wall and score:
        reps[f.stem] = (head, wall, score)
if not reps:
    sys.exit(0)
names = sorted(reps, key=lambda n: (order.index(n) if n in order else len(order), n))
def pct(n):
    h, w, s = reps[n]
    if n == "capi":
        return "capi %s of %s hand-listed mutants" % (s.group(3), int(s.group(3)) + int(s.group(4)))
    return "%s %s %%" % (n.replace("_", "/"), s.group(2))
(out / "summary.md").write_text("Mutation score (`make mutate`, bench/mutation/): %s.\n" % ", ".join(pct(n) for n in names))
rows = ["| part | commit | date | load (1 min) | wall time | killed | lived | not covered | score |",
        "|---|---|---|---|---|---|---|---|---|"]
for n in names:
    h, w, s = reps[n]
    sec = int(w.group(1))
    rows.append("| %s | %s | %s | %s | %d min %02d s | %s | %s | %s | %s %% |" % (
        n.replace("_", "/"), h.group(1), h.group(2), h.group(4), sec // 60, sec % 60,
        s.group(3), s.group(4), s.group(5) if s.group(5) is not None else "–", s.group(2)))
(out / "table.md").write_text("\n".join(rows) + "\n")
PY
