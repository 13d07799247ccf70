"""A regression over a sliding window of the last w rows, moved by s rows a
step: each step absorbs the s new rows (partial_fit) and removes the s
oldest (remove), O(s n^2) instead of a refit's O(w n^2), and the model is
exactly the one a fresh fit on the window gives.

    python3 examples/sliding_window.py [w] [s] [steps]
"""
import sys

import numpy as np

import sia


def sliding_window(X, y, w, s, steps):
    """Yield (start, model) for windows X[start:start + w], start = 0, s, 2s, ..."""
    model = sia.LinearRegression().fit(X[:w], y[:w])
    yield 0, model
    for k in range(1, steps + 1):
        lo, hi = (k - 1) * s, w + (k - 1) * s  # the window before this step
        model.partial_fit(X[hi:hi + s], y[hi:hi + s])  # s new rows
        try:
            model.remove(X[lo:lo + s], y[lo:lo + s])  # the s oldest rows leave
        except sia.SiaError as e:
            if e.code != sia.ECOLD:
                raise
            # libsia refused a downdate that would lose accuracy (the model
            # is unchanged): refit the window instead, once.
            model.fit(X[lo + s:hi + s], y[lo + s:hi + s])
        yield k * s, model


def main(argv):
    given = [int(v) for v in argv[1:4]]
    w, s, steps = given + [10000, 100, 5][len(given):]
    rng = np.random.default_rng(0)
    n = 8
    X = rng.normal(size=(w + steps * s, n)) * 3 + 10
    drift = np.linspace(0, 0.1, len(X))[:, None]  # coefficients that move over time
    y = ((1 + drift) * X) @ np.arange(1.0, n + 1) + 5 + rng.normal(size=len(X))
    for start, model in sliding_window(X, y, w, s, steps):
        print("rows %6d..%6d  intercept %8.4f  coef[0] %.6f  R^2 %.4f"
              % (start, start + w - 1, model.intercept_, model.coef_[0],
                 model.score(X[start:start + w], y[start:start + w])))


if __name__ == "__main__":
    main(sys.argv)
