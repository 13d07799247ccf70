#!/usr/bin/env python3
"""engines-table.py -- docs/durability.md's figures from raw outputs: the
engine table (bench/reliability/engines-table.md) from engines.txt
(engines.sh: bbolt and the log format inside libsia) and engines-others.txt
(engines-others.sh: Pebble and SQLite in their own harness), timings min-max
over rounds; and the damage sweep's tallies (damage.md) from damage.txt
(make damage DAMAGE_OUT=...). Prints them; --write writes the two files
(scripts/readme_figures.py --write then copies them into the doc).

    python3 bench/reliability/engines-table.py [--write]
"""
import re
import sys
from pathlib import Path

here = Path(__file__).resolve().parent


def rng(vals, fmt):
    if not vals:
        sys.exit("engines-table: missing measurements")
    lo, hi = min(vals), max(vals)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else fmt.format(lo) + "–" + fmt.format(hi)


def sweep(text, label):
    """'cuts' and 'flips' tallies of the sweep line(s) starting with label."""
    out = {}
    for kind in ("cuts", "flips"):
        m = re.search(re.escape(label) + r" \(.*?\), " + kind + r": cases (\d+): error (\d+), loaded with corrupt>0 (\d+), "
                      r"all models intact (\d+) \| crash (\d+), hang (\d+), wrong model (\d+), unreported loss (\d+)", text)
        if not m:
            sys.exit(f"engines-table: no {kind} line for {label}")
        out[kind] = [int(x) for x in m.groups()]
    return out


def cell(s):
    c, f = s["cuts"], s["flips"]
    return (f"{c[4]} / {c[5]} / {c[6]} / {c[7]} of {c[0]}", f"{f[4]} / {f[5]} / {f[6]} / {f[7]} of {f[0]}")


ours = (here / "engines.txt").read_text()
others = (here / "engines-others.txt").read_text()
rows = []
sizes = {e: int(s) for e, s in re.findall(r"libsia.so (\w+): (\d+) bytes", ours)}
for eng, name in (("bbolt", "bbolt 1.5 (0.2)"), ("log", "log format (0.3, adopted)")):
    blocks = re.findall(r"## round \d+, " + eng + r"\n(.*?)(?=\n##|\Z)", ours, re.S)
    ck = [float(x) for b in blocks for x in re.findall(r"BenchmarkCheckpoint-\d+\s+\d+\s+\d+ ns/op\s+([\d.]+) µs/model", b)]
    one = [int(x) / 1e6 for b in blocks for x in re.findall(r"BenchmarkCheckpointOne-\d+\s+\d+\s+(\d+) ns/op", b)]
    k10 = [float(x) for b in blocks for x in re.findall(r"BenchmarkCheckpoint1kOf10k-\d+\s+\d+\s+\d+ ns/op\s+([\d.]+) µs/model", b)]
    rl = [float(x) for b in blocks for x in re.findall(r"BenchmarkReload100k-\d+\s+\d+\s+\d+ ns/op\s+([\d.]+) s/reload", b)]
    sw = re.search(r"## damage sweep, " + eng + r" .*?\n(.*?)(?=\n## |\Z)", ours, re.S).group(1)
    cuts, flips = cell(sweep(sw, "memo file"))
    rows.append((name, f"{sizes[eng] / 1e6:.2f} MB", rng(ck, "{:.0f}"), rng(one, "{:.1f}"), rng(k10, "{:.0f}"),
                 rng(rl, "{:.2f}"), cuts, flips))
base = int(re.search(r"with none: (\d+) bytes", others).group(1))
for eng, name in (("pebble", "Pebble v2.1.7"), ("sqlite", "SQLite (Wasm, ncruces v0.38.0)")):
    add = int(re.search(r"with " + eng + r": (\d+) bytes", others).group(1)) - base
    ck = [float(x) for x in re.findall(r"BenchmarkCheckpoint " + eng + r" 20000 models: ([\d.]+) µs/model", others)]
    one = [float(x) for x in re.findall(r"BenchmarkCheckpointOne " + eng + r": ([\d.]+) ms/checkpoint", others)]
    k10 = [float(x) for x in re.findall(r"BenchmarkCheckpoint1kOf10k " + eng + r": ([\d.]+) µs/model", others)]
    rl = [float(x) for x in re.findall(r"BenchmarkReload100k " + eng + r": ([\d.]+) s/reload", others)]
    cuts, flips = cell(sweep(others, eng))
    rows.append((name, f"+{add / 1e6:.1f} MB", rng(ck, "{:.0f}"), rng(one, "{:.1f}"), rng(k10, "{:.0f}"),
                 rng(rl, "{:.2f}"), cuts, flips))
lines = []
lines.append("| Engine | libsia.so | checkpoint of 20 000 new models, µs/model | 1 changed model, ms | 1 000 changed of 10 000, µs/model "
             "| reload 100 000 models (n = 33), s | sweep, cuts: crash / hang / wrong / unreported | sweep, flips: crash / hang / wrong / unreported |")
lines.append("|---|---|---|---|---|---|---|---|")
for r in rows:
    lines.append("| " + " | ".join(r) + " |")
table = "\n".join(lines) + "\n"
damage = "```\n" + (here / "damage.txt").read_text().rstrip("\n") + "\n```\n"
if "--write" in sys.argv[1:]:
    (here / "engines-table.md").write_text(table)
    (here / "damage.md").write_text(damage)
else:
    print(table + "\n" + damage, end="")
