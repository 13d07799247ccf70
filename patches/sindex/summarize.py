#!/usr/bin/env python3
"""summarize.py RESULTS.csv... -- the derived table of run-verify.sh's CSV:
one row per configuration with runs, crashes (mid-run: during the bulk load
or a batch; at exit: during destruction), hangs (rc 124 or TERM), keys lost,
the compactions' fits (how many, the incremental share, refits over the
stable-target bound), their training CPU time (whole fits and inside the
solver calls; per fit, per row and per run), the error bounds' mean span,
insert/get throughput and the background threads' CPU time. Medians with
[min-max] over the runs that completed every check; the ratios compare
medians with the unpatched configuration and with "off" (memo off).

Also, per pair of configurations: the "free-solver floor" -- run i's whole
fit minus its solver calls, over run i of the base configuration: what the
configuration would cost if libsia's calls cost nothing -- and, when more
than one CSV is given, the paired ratios pooled over all of them."""
import csv
import math
import statistics
import sys

# --headline PATH writes, --check-headline PATH compares, the one-line
# figure README.md quotes (pooled paired medians of stable against the
# unpatched build and against off); the CSVs follow.
headline = None
if len(sys.argv) > 2 and sys.argv[1] in ("--headline", "--check-headline"):
    headline = (sys.argv[1], sys.argv[2])
    del sys.argv[1:3]


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def med(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-", None
    m = statistics.median(vals)
    return ("%s [%s-%s]" % (fmt % m, fmt % min(vals), fmt % max(vals)), m)


pooled = {}  # (base, config, quantity) -> paired ratios over every file
for path in sys.argv[1:]:
    rows = list(csv.DictReader(open(path)))
    configs = list(dict.fromkeys(r["config"] for r in rows))
    print("%s (key length %s bytes; load average %s-%s at the runs' starts)" % (
        path, ",".join(sorted({r["key_len"] for r in rows if r["key_len"]})),
        min(float(r["load1"]) for r in rows), max(float(r["load1"]) for r in rows)))
    print()
    print("| config | runs | crashed mid-run / at exit | hung | keys lost | compaction fits | incremental | "
          "over bound | whole fit, CPU us/fit | solver, CPU us/fit | whole fit, CPU ns/row | "
          "whole fits, CPU ms/run | mean error span | insert Mops/s | get Mops/s | background threads, CPU s |")
    print("|---|" + "---|" * 15)
    per = {}
    for c in configs:
        rs = [r for r in rows if r["config"] == c]
        done = [r for r in rs if r["rc"] in ("0", "1") or (r["checks"] and r["lost"])]
        hung = [r for r in rs if r["rc"] == "124" or r["signal"] == "TERM"]
        crashed = [r for r in rs if r["signal"] and r["signal"] != "TERM"]
        at_exit = [r for r in crashed if r["crash_phase"] in ("destroy", "exit")]
        lost = sum(int(r["lost"]) for r in done if r["lost"])
        fits = [num(r["compaction_fits"]) for r in done]
        share = [100 * num(r["incremental_fits"]) / num(r["compaction_fits"]) for r in done
                 if num(r["compaction_fits"])]
        whole_fit = [1e3 * num(r["whole_ms"]) / num(r["compaction_fits"]) for r in done if num(r["compaction_fits"])]
        solver_fit = [1e3 * num(r["solver_ms"]) / num(r["compaction_fits"]) for r in done if num(r["compaction_fits"])]
        whole_row = [1e6 * num(r["whole_ms"]) / num(r["rows"]) for r in done if num(r["rows"])]
        span = [num(r["span"]) / num(r["compaction_fits"]) for r in done if num(r["compaction_fits"])]
        cells = {
            "fits": med(fits, "%.0f"), "share": med(share, "%.0f %%"),
            "whole_fit": med(whole_fit, "%.1f"), "solver_fit": med(solver_fit, "%.1f"),
            "whole_row": med(whole_row, "%.1f"), "whole_run": med([num(r["whole_ms"]) for r in done], "%.1f"),
            "span": med(span, "%.0f"), "ins": med([num(r["insert_mops"]) for r in done], "%.3f"),
            "get": med([num(r["get_mops"]) for r in done], "%.3f"),
            "bg": med([num(r["bg_cpu_s"]) for r in done], "%.2f"),
        }
        per[c] = cells
        over = sum(int(r["over_bound"]) for r in done if r["over_bound"])
        print("| %s | %d | %d / %d | %d | %d | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            c, len(rs), len(crashed) - len(at_exit), len(at_exit), len(hung), lost, cells["fits"][0],
            cells["share"][0], over, cells["whole_fit"][0], cells["solver_fit"][0], cells["whole_row"][0],
            cells["whole_run"][0], cells["span"][0], cells["ins"][0], cells["get"][0], cells["bg"][0]))
    print()
    # the solver's CPU per call, split: incremental calls, and the cold fits
    # (memoized in stable/shifted, without a memo in off)
    for c in configs:
        done = [r for r in rows if r["config"] == c and r["rc"] in ("0", "1")]
        inc = [1e3 * num(r["incre_ms"]) / num(r["incremental_fits"]) for r in done if num(r["incremental_fits"])]
        cold = [1e3 * (num(r["solver_ms"]) - num(r["incre_ms"])) / (num(r["compaction_fits"]) - num(r["incremental_fits"]))
                for r in done if num(r["compaction_fits"]) and num(r["compaction_fits"]) > num(r["incremental_fits"])]
        print("%s: solver CPU per incremental call %s us, per cold fit %s us" % (
            c, med(inc, "%.1f")[0], med(cold, "%.1f")[0]))
    print()
    # paired ratios: run i of each configuration ran next to run i of the
    # others (interleaved), so their ratio cancels most of the load drift
    def fit_cost(r, key):
        return num(r[key]) / num(r["compaction_fits"]) if num(r["compaction_fits"]) else None
    by = {(r["config"], r["run"]): r for r in rows if r["rc"] in ("0", "1")}
    for base in ("unpatched", "off"):
        if base not in configs:
            continue
        parts = []
        for c in configs:
            if c == base:
                continue
            q = {"whole": [], "solver": [], "get": [], "insert": [], "floor": []}
            for (cc, run), r in by.items():
                b = by.get((base, run))
                if cc != c or b is None:
                    continue
                for k, f in (("whole", lambda x: fit_cost(x, "whole_ms")), ("solver", lambda x: fit_cost(x, "solver_ms")),
                             ("get", lambda x: num(x["get_mops"])), ("insert", lambda x: num(x["insert_mops"]))):
                    if f(r) and f(b):
                        q[k].append(f(r) / f(b))
                if fit_cost(r, "whole_ms") and fit_cost(b, "whole_ms"):
                    q["floor"].append((fit_cost(r, "whole_ms") - fit_cost(r, "solver_ms")) / fit_cost(b, "whole_ms"))
            for k, v in q.items():
                pooled.setdefault((base, c, k), []).extend(v)
            if q["whole"]:
                parts.append("%s: whole fit %s, solver %s, get %s, insert %s, free-solver floor %s (%d pairs)" % (
                    c, med(q["whole"], "%.2f")[0], med(q["solver"], "%.2f")[0], med(q["get"], "%.2f")[0],
                    med(q["insert"], "%.2f")[0], med(q["floor"], "%.2f")[0], len(q["whole"])))
        print("paired per-run ratios to %s (per compaction fit; median [min-max]): " % base + "; ".join(parts))
        print()
    for base in ("unpatched", "off"):
        if base not in per:
            continue
        print("ratios of medians to %s: " % base + "; ".join(
            "%s: whole fit/fit %.2f, per row %.2f, solver/fit %.2f, insert %.2f, get %.2f" % (
                c, per[c]["whole_fit"][1] / per[base]["whole_fit"][1],
                per[c]["whole_row"][1] / per[base]["whole_row"][1],
                per[c]["solver_fit"][1] / per[base]["solver_fit"][1],
                per[c]["ins"][1] / per[base]["ins"][1], per[c]["get"][1] / per[base]["get"][1])
            for c in configs if c != base and per[c]["whole_fit"][1] is not None))
    print()

if len(sys.argv) > 2:
    print("pooled over the %d files above (paired per-run ratios, per compaction fit; median [min-max]):" % (len(sys.argv) - 1))
    for base in ("unpatched", "off"):
        for c in dict.fromkeys(k[1] for k in pooled if k[0] == base):
            q = {k[2]: v for k, v in pooled.items() if k[0] == base and k[1] == c}
            if q.get("whole"):
                # the sign test: how often the configuration trained for less
                # than its base, and the one-sided probability of at least
                # that many by chance
                w = q["whole"]
                below = sum(1 for v in w if v < 1)
                p = sum(math.comb(len(w), k) for k in range(below, len(w) + 1)) / 2 ** len(w)
                print("- %s / %s: whole fit %s, solver %s, get %s, insert %s, free-solver floor %s (%d pairs; "
                      "whole fit below 1 in %d, one-sided sign test p = %.4f)" % (
                          c, base, med(w, "%.2f")[0], med(q["solver"], "%.2f")[0], med(q["get"], "%.2f")[0],
                          med(q["insert"], "%.2f")[0], med(q["floor"], "%.2f")[0], len(w), below, p))


def headline_text():
    """The README's figure: stable's whole fit against unpatched and off."""
    def whole(base):
        q = pooled.get((base, "stable", "whole"), [])
        return statistics.median(q), len(q)
    (u, nu), (o, no) = whole("unpatched"), whole("off")
    return ("Training CPU per compaction fit of the default `stable` mode (paired medians of "
            "interleaved runs, 16- and 64-byte keys): %.2f× the unpatched build's (%d pairs), "
            "%.2f× the memo-off build's (%d pairs).\n" % (u, nu, o, no))


if headline is not None:
    text = headline_text()
    if headline[0] == "--headline":
        open(headline[1], "w").write(text)
    elif open(headline[1]).read() != text:
        sys.exit("summarize.py: %s differs from what the CSVs give:\n%s" % (headline[1], text))
