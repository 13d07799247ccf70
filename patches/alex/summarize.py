#!/usr/bin/env python3
"""summarize.py FILE... -- summarize bench.sh's output (results-*.txt; several files
are pooled): per build and workload, the
median (min-max) of the training CPU time during inserts (inside build()
and inside the solver calls), insert throughput and the fits, the keys
lost in every run and the runs that crashed. Runs with SIA_ALEX_CHECK (whose check
adds a cold fit to every incremental one) count for keys, not for times."""
import re
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
cur = None
def lines(paths):
    for path in paths:
        yield from open(path)


for line in lines(sys.argv[1:] or ["results.txt"]):
    m = re.match(r"### (\S+): SIA_ALEX_TARGETS=\S* (?:SIA_ALEX_CHECK=\S* )?verify (.*?)(?: \(load [\d.]+\))?$", line)
    if m:
        cur = {"label": m.group(1), "args": m.group(2).strip(), "lost_batches": []}
        runs[(cur["args"], cur["label"])].append(cur)
        continue
    if cur is None:
        continue
    m = re.match(r"batch \d+: keys \d+, lost (\d+)", line)
    if m:
        cur["lost_batches"].append(int(m.group(1)))
    m = re.match(r"summary: keys (\d+), lost (\d+), inserts \d+ in ([\d.e+-]+) s \(([\d.e+-]+) Mops/s.*training during "
                 r"inserts ([\d.e+-]+) s in \d+ fits total \(cold (\d+), incremental (\d+), rows \d+, new rows absorbed (\d+)",
                 line)
    if m:
        cur.update(keys=int(m.group(1)), lost=int(m.group(2)), secs=float(m.group(3)), mops=float(m.group(4)),
                   train=float(m.group(5)), cold=int(m.group(6)), incre=int(m.group(7)), new=int(m.group(8)))
    m = re.match(r"solver calls during inserts: ([\d.e+-]+) s", line)
    if m:
        cur["solver"] = float(m.group(1))
    m = re.match(r"### exit status (\d+)", line)
    if m:
        cur["exit"] = int(m.group(1))
    m = re.match(r"check: (\d+) incremental models compared .*, (\d+) differ", line)
    if m:
        cur["check"] = (int(m.group(1)), int(m.group(2)))


def med(xs, fmt):
    return "%s (%s–%s)" % (fmt % statistics.median(xs), fmt % min(xs), fmt % max(xs))


print("| workload (verify args) | build | runs | training during inserts, CPU s | in solver calls, CPU s "
      "| inserts, Mops/s | fits cold / incremental (new keys absorbed) | keys lost (all runs, all batches) "
      "| crashed (exit > 128) |")
print("|---|---|---|---|---|---|---|---|---|")
for (args, label), rs in runs.items():
    crashed = sum(1 for r in rs if r.get("exit", 0) > 128)
    rs = [r for r in rs if "train" in r]
    if not rs:
        continue
    checks = [r["check"] for r in rs if "check" in r]
    note = "; checked %d incremental models against cold fits, %d differ" % checks[0] if checks else ""
    timed = [r for r in rs if "check" not in r] or rs
    solver = [r["solver"] for r in timed if "solver" in r]
    print("| `%s` | %s | %d%s | %s | %s | %s | %d / %d (%d) | %d%s | %d |" % (
        args, label, len(timed), " + %d checked" % len(checks) if checks else "",
        med([r["train"] for r in timed], "%.3f"), med(solver, "%.3f") if solver else "-",
        med([r["mops"] for r in timed], "%.4f"),
        statistics.median([r["cold"] for r in timed]), statistics.median([r["incre"] for r in timed]),
        statistics.median([r["new"] for r in timed]), sum(sum(r["lost_batches"]) for r in rs), note, crashed))
