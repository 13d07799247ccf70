"""Sliding-window regression: time per step and coefficient error.

A window of the last w rows moves by s = w/100 rows a step. Per step:

  sia            LinearRegression.partial_fit(s new rows) + remove(s oldest)
                 (the default rcond: an SVD of the n x n factor each call)
  sia rcond=-1   the same in dgels mode (no SVD; designs of full rank)
  sklearn        sklearn.linear_model.LinearRegression().fit(window)
  RecursiveLS    statsmodels' recursive least squares (a Kalman filter)
                 over the stream: it absorbs rows but cannot drop them, so
                 its estimate is the expanding window's; time per step is
                 its time per row times s

Time per step: the fastest of the steps (the machine may be shared: the
fastest is the least disturbed). Error: max |coef - ref| / max |ref| over
the coefficients and the intercept,
ref a fresh fit of the window (numpy.linalg.lstsq on the centred window),
the largest over the steps. The data: n normal features with offsets and
scales, coefficients drifting slowly over the stream, unit noise.

    python3 bench/sliding_window.py            # runs, writes sliding_window.csv and .png
    python3 bench/sliding_window.py --table    # the README's table from the CSV
    python3 bench/sliding_window.py --plot     # the plot from the CSV
"""
import csv
import os
import platform
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the sia package beside bench/ (or SIA's installed one)
import sia  # noqa: E402

CSV = os.path.join(HERE, "sliding_window.csv")
PNG = os.path.join(HERE, "sliding_window.png")
WINDOWS = (10_000, 100_000)
FEATURES = (8, 32, 128)
STEPS = 5
# RecursiveLS costs about 1e-7 s per row per n^2 here: its w = 1e5, n = 128
# stream would take minutes; that one is timed on its first 20 000 rows
# (its error is then not measured).
RLS_MAX_ROWS = 20_000
METHODS = ("sia", "sia rcond=-1", "sklearn", "RecursiveLS")


def data(w, n, steps, s, seed=0):
    rng = np.random.default_rng(seed)
    N = w + steps * s
    X = rng.normal(size=(N, n)) * rng.uniform(0.5, 5, size=n) + rng.uniform(-20, 20, size=n)
    beta = rng.normal(size=n)
    drift = rng.normal(size=n) * 0.2
    t = np.linspace(0, 1, N)[:, None]
    y = ((beta + t * drift) * X).sum(axis=1) + 3 + rng.normal(size=N)
    return X, y


def reference(X, y):
    xm, ym = X.mean(axis=0), y.mean()
    c = np.linalg.lstsq(X - xm, y - ym, rcond=None)[0]
    return np.append(c, ym - xm @ c)


def rel_err(coef, intercept, ref):
    return float(np.abs(np.append(coef, intercept) - ref).max() / np.abs(ref).max())


def run_sia(X, y, w, s, steps, refs, rcond):
    m = sia.LinearRegression(rcond=rcond).fit(X[:w], y[:w])
    times, errs, refits = [], [], 0
    for k in range(1, steps + 1):
        lo, hi = (k - 1) * s, w + (k - 1) * s
        t0 = time.perf_counter()
        m.partial_fit(X[hi:hi + s], y[hi:hi + s])
        try:
            m.remove(X[lo:lo + s], y[lo:lo + s])
        except sia.SiaError as e:
            if e.code != sia.ECOLD:
                raise
            refits += 1
            m.fit(X[lo + s:hi + s], y[lo + s:hi + s])
        times.append(time.perf_counter() - t0)
        errs.append(rel_err(m.coef_, m.intercept_, refs[k]))
    return min(times), max(errs), refits


def run_sklearn(X, y, w, s, steps, refs):
    from sklearn.linear_model import LinearRegression
    times, errs = [], []
    for k in range(1, steps + 1):
        lo = k * s
        t0 = time.perf_counter()
        m = LinearRegression().fit(X[lo:lo + w], y[lo:lo + w])
        times.append(time.perf_counter() - t0)
        errs.append(rel_err(m.coef_, m.intercept_, refs[k]))
    return min(times), max(errs), 0


def run_rls(X, y, w, s, steps, refs):
    from statsmodels.regression.recursive_ls import RecursiveLS
    from statsmodels.tsa.statespace import kalman_filter as kf
    N = min(len(X), RLS_MAX_ROWS) if len(X) * X.shape[1] ** 2 > RLS_MAX_ROWS * 128 ** 2 else len(X)
    exog = np.column_stack([X[:N], np.ones(N)])
    flags = kf.MEMORY_NO_PREDICTED_COV | kf.MEMORY_NO_FILTERED_COV | kf.MEMORY_NO_SMOOTHING | kf.MEMORY_NO_GAIN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res = RecursiveLS(y[:N], exog).filter(conserve_memory=flags)
        per_row = (time.perf_counter() - t0) / N
    if N < len(X):
        return per_row * s, float("nan"), 0
    state = res.filtered_state
    errs = [rel_err(state[:-1, w + k * s - 1], state[-1, w + k * s - 1], refs[k]) for k in range(1, steps + 1)]
    return per_row * s, max(errs), 0


def bench():
    rows = []
    for w in WINDOWS:
        s = w // 100
        for n in FEATURES:
            X, y = data(w, n, STEPS, s)
            refs = {k: reference(X[k * s:k * s + w], y[k * s:k * s + w]) for k in range(1, STEPS + 1)}
            results = {
                "sia": run_sia(X, y, w, s, STEPS, refs, None),
                "sia rcond=-1": run_sia(X, y, w, s, STEPS, refs, -1),
                "sklearn": run_sklearn(X, y, w, s, STEPS, refs),
                "RecursiveLS": run_rls(X, y, w, s, STEPS, refs),
            }
            for method in METHODS:
                t, e, refits = results[method]
                rows.append({"w": w, "n": n, "s": s, "steps": STEPS, "method": method,
                             "seconds_per_step": "%.6g" % t, "max_rel_coef_err": "%.3g" % e, "refits": refits})
                print("w=%-6d n=%-3d %-13s %10.3f ms/step  err %.2e  refits %d" % (w, n, method, t * 1e3, e, refits),
                      flush=True)
    with open(CSV, "w", newline="") as f:
        f.write("# python3 bench/sliding_window.py: %s, %d CPUs, Python %s, numpy %s, libsia %s, %s\n"
                % (platform.machine(), os.cpu_count(), platform.python_version(), np.__version__,
                   sia.library_version(), time.strftime("%Y-%m-%d")))
        wr = csv.DictWriter(f, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)


def load():
    with open(CSV) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def table():
    rows = load()
    by = {(int(r["w"]), int(r["n"]), r["method"]): r for r in rows}
    print("| w | n | s | " + " | ".join("%s ms/step" % m for m in METHODS) + " | sia speed-up vs sklearn |"
          + " " + " | ".join("%s error" % m for m in METHODS) + " |")
    print("|" + "---|" * (4 + 2 * len(METHODS)))
    for w in WINDOWS:
        for n in FEATURES:
            r = [by[(w, n, m)] for m in METHODS]
            ms = ["%.3g" % (float(x["seconds_per_step"]) * 1e3) for x in r]
            if r[3]["max_rel_coef_err"] == "nan":
                ms[3] += "*"
            errs = ["%.1e" % float(x["max_rel_coef_err"]) if x["max_rel_coef_err"] != "nan" else "-" for x in r]
            speed = float(r[2]["seconds_per_step"]) / float(r[0]["seconds_per_step"])
            print("| %d | %d | %s | %s | %.0fx | %s |" % (w, n, r[0]["s"], " | ".join(ms), speed, " | ".join(errs)))


def plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = load()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    colors = dict(zip(METHODS, ("tab:blue", "tab:cyan", "tab:orange", "tab:green")))
    for w, style in zip(WINDOWS, ("-", "--")):
        for m in METHODS:
            sel = [r for r in rows if int(r["w"]) == w and r["method"] == m]
            n = [int(r["n"]) for r in sel]
            ax1.plot(n, [float(r["seconds_per_step"]) * 1e3 for r in sel], style, marker="o", color=colors[m],
                     label="%s, w=%d" % (m, w))
            if m != "sklearn":  # its computation is the reference's: error 0
                err = [float(r["max_rel_coef_err"]) for r in sel]
                ax2.plot(n, err, style, marker="o", color=colors[m], label="%s, w=%d" % (m, w))
    for ax in (ax1, ax2):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(FEATURES)
        ax.set_xticklabels([str(n) for n in FEATURES])
        ax.set_xlabel("n (features)")
        ax.grid(True, which="major", alpha=0.3)
    ax1.set_ylabel("ms per step (s = w/100 rows in, s out)")
    ax2.set_ylabel("max relative coefficient error vs a fresh fit")
    ax1.set_title("time per step")
    ax2.set_title("error (sklearn: 0; RecursiveLS: expanding window)")
    ax1.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(PNG, dpi=110)


if __name__ == "__main__":
    if "--table" in sys.argv:
        table()
    elif "--plot" in sys.argv:
        plot()
    else:
        bench()
        plot()
        table()
