#!/usr/bin/env python3
"""summarize.py RESULTS.csv... -- one line per build from run-verify.sh's CSV:
runs, crashes (by phase: mid-run = during the bulk load or a batch, at exit =
during destruction), hangs (rc 124, or killed by TERM), runs that lost keys,
and the ranges of keys lost, throughput and the patched build's counters over
the runs that completed every check."""
import csv
import sys


def rng(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    lo, hi = min(vals), max(vals)
    return fmt.format(lo) if lo == hi else (fmt + "-" + fmt).format(lo, hi)


def num(s, conv=float):
    try:
        v = conv(s)
    except ValueError:
        return None
    return None if v == -1 else v


for path in sys.argv[1:]:
    rows = list(csv.DictReader(open(path)))
    print(path)
    for build in dict.fromkeys(r["build"] for r in rows):
        rs = [r for r in rows if r["build"] == build]
        # runs that completed every check (some of them crashed at exit afterwards)
        done = [r for r in rs if r["rc"] in ("0", "1") or (r["checks"] and r["lost"])]
        hung = [r for r in rs if r["rc"] == "124" or r["signal"] == "TERM"]
        crashed = [r for r in rs if r["signal"] and r["signal"] != "TERM"]
        at_exit = [r for r in crashed if r["crash_phase"] in ("destroy", "exit")]
        frames = sorted({r["crash_frame"] for r in crashed if r["crash_frame"]})
        print(f"  {build}: {len(rs)} runs, {len(done)} completed every check, {len(crashed)} crashed "
              f"({len(crashed) - len(at_exit)} mid-run, {len(at_exit)} at exit), {len(hung)} hung; "
              f"runs losing keys {sum(r['lost'] not in ('', '0') for r in done)}, "
              f"keys lost {rng([num(r['lost'], int) for r in done], '{}')}; "
              f"insert Mops/s {rng([num(r['insert_mops']) for r in done], '{:.3f}')}, "
              f"get Mops/s {rng([num(r['get_mops']) for r in done], '{:.3f}')}")
        if frames:
            print(f"    crash frames: {'; '.join(frames)}")
        if any(num(r["memo_hits"], int) is not None for r in done):
            comp = [num(r["compaction_fits"], int) for r in done]
            inc = [num(r["incremental_fits"], int) for r in done]
            share = [i / c for i, c in zip(inc, comp) if c]
            print(f"    memoized models {rng([num(r['memo_models'], int) for r in done], '{}')}, "
                  f"incremental retrains {rng(inc, '{}')} of {rng(comp, '{}')} compaction fits "
                  f"({rng([100 * s for s in share], '{:.0f}')} %), memo hits "
                  f"{rng([num(r['memo_hits'], int) for r in done], '{}')}")
