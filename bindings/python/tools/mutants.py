"""Mutation check of the Python binding: each entry breaks one thing on
purpose (in a copy of bindings/python under a temporary folder) and runs the
unittest suite; every mutant must make some test fail.

    SIA_LIBRARY=build/libsia.so python3 bindings/python/tools/mutants.py [index ...]

Prints, per mutant, the suite's result and the tests that failed; exits 1
if a mutant survives.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.environ.get("SIA_LIBRARY") or os.path.join(os.path.dirname(os.path.dirname(SRC)), "build", "libsia.so")
MUTS = [
 ("fortran: incre_train_shifted no longer converts a_new to a_all's order", "sia/__init__.py",
  '    N = _np.asarray(N, order="C" if layout == ROW_MAJOR else "F")\n', ''),
 ("fortran: _matrix reads Fortran-ordered as row-major", "sia/__init__.py",
  "    elif arr.flags.f_contiguous:\n        layout = COL_MAJOR\n", "    elif arr.flags.f_contiguous:\n        layout = ROW_MAJOR\n"),
 ("default fit_intercept=False", "sia/_estimator.py",
  "    def __init__(self, *, fit_intercept: bool = True,", "    def __init__(self, *, fit_intercept: bool = False,"),
 ("rcond default dropped (None -> dgels mode)", "sia/_estimator.py",
  "            return _EPS * max(rows, self.n_features_in_)", "            return -1.0"),
 ("intercept: the gamma scale of the constant column forgotten", "sia/_estimator.py",
  "            intercept = self._sia_gamma * x[0] - coef @ self._sia_shift", "            intercept = x[0] - coef @ self._sia_shift"),
 ("design: rows not shifted by the first fit's mean (plain [gamma, x])", "sia/_estimator.py",
  "        _np.multiply(X - self._sia_shift, sw, out=A[:, 1:])", "        _np.multiply(X, sw, out=A[:, 1:])"),
 ("refit_targets: the memo's zero rows not passed again", "sia/_estimator.py",
  "        x = incre_train_shifted(A_new, _np.vstack([A, A_extra]), _np.vstack([B, B_extra]),", "        x = incre_train_shifted(A_new, A, B,"),
 ("lstsq: n = 0 residuals zero (dgels) instead of ||b||^2", "sia/_linalg.py",
  "        resid = (B64 ** 2).sum(axis=0) if m > n else _np.zeros(0)", "        resid = _np.zeros(nrhs) if m > n else _np.zeros(0)"),
 ("lstsq: rcond <= 0 as DBL_EPSILON instead of dgelsd's 2**-53", "sia/_linalg.py",
  "        rc = _DLAMCH_E\n", "        rc = _EPS\n"),
 ("lstsq: float32 results as float64", "sia/_linalg.py",
  "    return _np.float32 if single else _np.float64", "    return _np.float64"),
 ("memo_stats drops the corrupt count", "sia/__init__.py",
  "    return {f: int(getattr(st, f)) for f, _ in _Stats._fields_}", "    return {f: (0 if f == 'corrupt' else int(getattr(st, f))) for f, _ in _Stats._fields_}"),
 ("SiaError back to Exception", "sia/__init__.py", "class SiaError(ValueError):", "class SiaError(Exception):"),
 ("partial_fit validates with reset=True", "sia/_estimator.py",
  "        X, y = self._validate_xy(X, y, reset=False)\n        if (y.ndim == 1)", "        X, y = self._validate_xy(X, y, reset=True)\n        if (y.ndim == 1)"),
 ("fallback: complex silently cast", "sia/_estimator.py",
  '    if arr.dtype.kind == "c":\n        raise ValueError("Complex data not supported\\n{}\\n".format(arr))\n', ''),
 ("pickle keeps the private id (copies share a memo)", "sia/_estimator.py",
  '        if state.pop("_sia_auto_id", None) is not None:', '        if state.get("_sia_auto_id", None) is None and False:'),
 ("remove forgets the weights", "sia/_estimator.py",
  "        w = self._weights(sample_weight, X)\n        sw = _np.sqrt(w)[:, None]\n        return X, self._design", "        w = _np.ones(X.shape[0])\n        sw = _np.sqrt(w)[:, None]\n        return X, self._design"),
]
only = sys.argv[1:]
survivors = []
tmp = tempfile.mkdtemp(prefix="sia-mutants-")
for i, (name, f, old, new) in enumerate(MUTS):
    if only and str(i) not in only:
        continue
    d = os.path.join(tmp, "tree")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(SRC, d, ignore=shutil.ignore_patterns("__pycache__", "bench", "tools"))
    p = os.path.join(d, f)
    s = open(p).read()
    assert s.count(old) == 1, (name, s.count(old))
    open(p, "w").write(s.replace(old, new))
    env = dict(os.environ, SIA_LIBRARY=LIB)
    r = subprocess.run(["nice", "-n", "10", "/usr/bin/python3", "-m", "unittest", "discover", "-s", "tests"],
                       cwd=d, env=env, capture_output=True, text=True)
    failed = sorted({l.split("(")[1].split(")")[0].rsplit(".", 1)[-1] + "." + l.split()[1]
                     for l in r.stderr.splitlines() if l.startswith(("FAIL:", "ERROR:"))})
    last = [l for l in r.stderr.splitlines() if l.startswith(("FAILED", "OK"))]
    print("%2d %-60s rc=%d %s\n     %s" % (i, name, r.returncode, last, "; ".join(failed)[:900]), flush=True)
    if r.returncode == 0:
        survivors.append(name)
shutil.rmtree(tmp, ignore_errors=True)
print("survivors: %s" % (survivors or "none"))
sys.exit(1 if survivors else 0)
