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
    m = re.match(r"whole-node fits \(the sites the patch memoizes\): (\d+) fits, (\d+) rows, ([\d.e+-]+) s", line)
    if m:
        cur.update(node_fits=int(m.group(1)), node_rows=int(m.group(2)), node_s=float(m.group(3)))
    m = re.match(r"libsia: incremental fits (\d+) in ([\d.e+-]+) s; cold fits of nodes with a memo "
                 r"\(restarting it\) (\d+) in ([\d.e+-]+) s", line)
    if m:
        cur.update(inc_n=int(m.group(1)), inc_s=float(m.group(2)), seed_n=int(m.group(3)), seed_s=float(m.group(4)))
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

print()
print("Per fit (CPU us, median over the runs): a whole-node fit (bulk load included), and in the")
print("memo modes an incremental fit and a cold fit that starts a memo (its keys kept, the bound)")
for (args, label), rs in runs.items():
    rs = [r for r in rs if "node_fits" in r and "check" not in r]
    if not rs:
        continue
    node = [1e6 * r["node_s"] / r["node_fits"] for r in rs if r["node_fits"]]
    inc = [1e6 * r["inc_s"] / r["inc_n"] for r in rs if r.get("inc_n")]
    seed = [1e6 * r["seed_s"] / r["seed_n"] for r in rs if r.get("seed_n")]
    print("- `%s` %s: whole-node fit %s; incremental %s; memo-starting cold fit %s" % (
        args, label, med(node, "%.1f") if node else "-", med(inc, "%.1f") if inc else "-",
        med(seed, "%.1f") if seed else "-"))
