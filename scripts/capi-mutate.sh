#!/bin/sh
# capi-mutate.sh [LOG] -- the C-API part of `make mutate`: each mutant of
# scripts/capi-mutants.txt is applied to a copy of the working tree (the
# tree itself is never changed), libsia is rebuilt there and the mutant's C
# tests run; a mutant is killed when one of them fails (or does not
# build). Prints the score and the survivors; LOG gets every test's output.
set -eu
cd "$(dirname "$0")/.."
log=${1:-build/mutate/capi.log}
mkdir -p "$(dirname "$log")"
: >"$log"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== capi ($(grep -c '^name:' scripts/capi-mutants.txt) mutants of capi/exports.go; log in $log)"
dirty=$(git status --porcelain -- capi ctest scripts/capi-mutants.txt 2>/dev/null | grep -c . || true)
echo "   commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown) (capi, ctest, mutant list: $dirty uncommitted files), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
python3 - "$work" "$log" <<'PY'
import os, re, subprocess, sys
work, log = sys.argv[1], sys.argv[2]
fields = ("name", "old", "new", "tests")
blocks, cur, key = [], {}, None
for line in open("scripts/capi-mutants.txt").read().split("\n"):
    if line.startswith("#"):
        continue
    if not line.strip():
        if cur:
            blocks.append(cur)
        cur, key = {}, None
        continue
    m = re.match(r"(%s): ?(.*)$" % "|".join(fields), line)
    if m:
        key = m.group(1)
        cur[key] = m.group(2)
    elif key:
        cur[key] += "\n" + line
if cur:
    blocks.append(cur)
src = open("capi/exports.go").read()
tree = os.path.join(work, "tree")
subprocess.run("mkdir -p %s && tar --exclude=./.git --exclude=./build --exclude=./bindings -cf - . | tar -xf - -C %s"
               % (tree, tree), shell=True, check=True)
def run(target, lg, label):
    cmd = "nice -n 10 make --no-print-directory %s" % target
    if target.startswith("build/"):
        cmd += " && ./%s" % target
    r = subprocess.run(cmd, shell=True, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lg.write("=== %s: %s (exit %d)\n%s\n" % (label, cmd, r.returncode, r.stdout[-4000:]))
    return r.returncode == 0

killed, survivors = 0, []
with open(log, "a") as lg:
    # The unmutated tree must pass every test used, or a failure would
    # count as a kill.
    for t in sorted({t for b in blocks for t in b["tests"].split()}):
        if not run(t, lg, "baseline"):
            sys.exit("capi-mutate: %s fails on the unmutated tree (see %s)" % (t, log))
    for b in blocks:
        n = src.count(b["old"])
        if n != 1:
            sys.exit("capi-mutate: %r: old text found %d times in capi/exports.go" % (b["name"], n))
        open(os.path.join(tree, "capi/exports.go"), "w").write(src.replace(b["old"], b["new"]))
        dead = False
        for t in b["tests"].split():
            if not run(t, lg, b["name"]):
                dead = True
                break
        print("   %s: %s (%s)" % ("killed" if dead else "SURVIVED", b["name"], b["tests"]), flush=True)
        killed += dead
        if not dead:
            survivors.append(b["name"])
total = len(blocks)
print("   capi: score %.1f%% (%d killed, %d lived)" % (100.0 * killed / total, killed, total - killed))
for s in survivors:
    print("   survived: %s" % s)
PY
echo "   wall time $(( $(date +%s) - start )) s, load average after $(cut -d' ' -f1-3 /proc/loadavg)"
