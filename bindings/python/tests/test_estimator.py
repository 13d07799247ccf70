"""sia.LinearRegression (alias LinearModel): scikit-learn's LinearRegression
and its own checks, plus the exact online updates (unittest)."""
import gc
import inspect
import json
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
import unittest
import warnings

import numpy as np

import sia

try:
    import sklearn
    from sklearn.base import clone
    from sklearn.datasets import load_diabetes, make_regression
    from sklearn.ensemble import StackingRegressor, VotingRegressor
    from sklearn.linear_model import LinearRegression as SkLinearRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.estimator_checks import check_estimator
    HAVE_SKLEARN = True
except ImportError:  # Debian: python3-sklearn
    HAVE_SKLEARN = False

needs_sklearn = unittest.skipUnless(HAVE_SKLEARN, "scikit-learn is not installed (Debian: python3-sklearn)")
HERE = os.path.dirname(os.path.abspath(__file__))
PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(sia.__file__)))


def keys(rng, m, n):
    """Key-like rows: byte values and a bias column."""
    a = rng.integers(0, 256, size=(m, n)).astype(float)
    a[:, -1] = 1.0
    return a


def assert_same_model(tc, ours, coef, intercept, tol=1e-10, msg=None):
    """coef_ and intercept_ agree with a reference to tol, relative to the
    reference's largest coefficient (at least 1)."""
    scale = max(1.0, float(np.abs(coef).max()), float(np.abs(intercept).max()))
    tc.assertEqual(np.shape(ours.coef_), np.shape(coef), msg)
    tc.assertLessEqual(float(np.abs(ours.coef_ - coef).max()), tol * scale, msg)
    tc.assertLessEqual(float(np.abs(np.asarray(ours.intercept_) - intercept).max()), tol * scale, msg)


def lstsq_model(X, y, w=None, fit_intercept=True):
    """The reference without scikit-learn: numpy's minimum-norm solution of
    the centred, weighted problem (what LinearRegression computes)."""
    w = np.ones(len(X)) if w is None else np.asarray(w, float)
    Y = y.reshape(-1, 1) if y.ndim == 1 else y
    if fit_intercept:
        xm, ym = w @ X / w.sum(), w @ Y / w.sum()
    else:
        xm, ym = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    sw = np.sqrt(w)[:, None]
    c = np.linalg.lstsq((X - xm) * sw, (Y - ym) * sw, rcond=None)[0].T
    icpt = ym - c @ xm
    return (c[0], float(icpt[0])) if y.ndim == 1 else (c, icpt)


# ---- datasets (no scikit-learn needed) ------------------------------------------

def datasets():
    rng = np.random.default_rng(3)
    out = {}
    X = rng.normal(size=(400, 6)) * [1, 10, 100, 0.1, 1, 3] + [50, -3, 1e3, 0, 7, 1]
    y = X @ rng.normal(size=6) + 4 + rng.normal(size=400)
    out["offset_scales"] = (X, y)
    out["duplicated"] = (np.column_stack([X, X[:, 1]]), y)
    out["collinear"] = (np.column_stack([X, X[:, 0] - 2 * X[:, 3]]), y)
    Xc = X.copy()
    Xc[:, 4] = 7.0
    out["constant_column"] = (Xc, y)
    K = keys(rng, 300, 9)
    out["keys_with_bias"] = (K, np.arange(300.0))
    out["multi_target"] = (X, np.column_stack([y, -2 * y + 1, rng.normal(size=400)]))
    out["fewer_rows_than_columns"] = (X[:4], y[:4])
    return out


class TestShape(unittest.TestCase):
    def test_alias_and_constructor(self):
        self.assertIs(sia.LinearModel, sia.LinearRegression)
        params = inspect.signature(sia.LinearRegression).parameters
        self.assertTrue(all(p.kind == p.KEYWORD_ONLY for p in params.values()))
        m = sia.LinearRegression()
        self.assertEqual(m.get_params(), {"fit_intercept": True, "copy_X": True, "n_jobs": None,
                                          "positive": False, "rcond": None, "model_id": None})
        with self.assertRaises(ValueError):
            sia.LinearRegression(positive=True).fit(np.eye(3), np.ones(3))

    @needs_sklearn
    def test_defaults_are_scikit_learns(self):
        ours = sia.LinearRegression().get_params()
        theirs = SkLinearRegression().get_params()
        for k, v in theirs.items():
            self.assertEqual(ours[k], v, k)
        self.assertTrue(sklearn.base.is_regressor(sia.LinearRegression()))


class TestAgainstNumpy(unittest.TestCase):
    """The minimum-norm solution of the centred, weighted problem (what
    LinearRegression computes), without scikit-learn."""

    def test_datasets(self):
        rng = np.random.default_rng(4)
        for name, (X, y) in datasets().items():
            for fit_intercept in (True, False):
                for weighted in (False, True):
                    w = rng.uniform(0.2, 3, size=len(X)) if weighted else None
                    if weighted and len(X) > 10:
                        w[::7] = 0.0  # weight zero: as if absent
                    msg = (name, fit_intercept, weighted)
                    ours = sia.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
                    coef, icpt = lstsq_model(X, y, w, fit_intercept)
                    assert_same_model(self, ours, coef, icpt, msg=msg)
                    Xc = X - (X.mean(0) if fit_intercept else 0)
                    self.assertEqual(ours.rank_, np.linalg.matrix_rank(Xc * np.sqrt(w if w is not None else 1)[:, None]
                                                                       if w is not None else Xc), msg)

    def test_integer_weights_are_repeated_rows(self):
        rng = np.random.default_rng(5)
        X = rng.normal(size=(50, 4))
        y = rng.normal(size=50)
        w = rng.integers(1, 4, size=50)
        a = sia.LinearRegression().fit(X, y, sample_weight=w)
        b = sia.LinearRegression().fit(np.repeat(X, w, axis=0), np.repeat(y, w))
        assert_same_model(self, a, b.coef_, b.intercept_, tol=1e-12)

    def test_score_is_r2(self):
        rng = np.random.default_rng(6)
        X = rng.normal(size=(200, 3))
        y = X @ [1.0, 2.0, 3.0] + rng.normal(size=200)
        m = sia.LinearRegression().fit(X, y)
        pred = m.predict(X)
        self.assertAlmostEqual(m.score(X, y), 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum(), places=12)


@needs_sklearn
class TestAgainstScikitLearn(unittest.TestCase):
    def cases(self):
        X, y = load_diabetes(return_X_y=True)
        yield "diabetes", X, y
        yield "diabetes+copy of column 0", np.column_stack([X, X[:, 0]]), y
        yield "diabetes+sum of columns 1, 4", np.column_stack([X, X[:, 1] + X[:, 4]]), y
        Xm, ym = make_regression(n_samples=300, n_features=20, n_informative=10, noise=5.0, random_state=0)
        yield "make_regression", Xm, ym
        Xm2, Ym2 = make_regression(n_samples=200, n_features=8, n_targets=3, noise=1.0, random_state=1)
        yield "make_regression, 3 targets", Xm2, Ym2
        yield "make_regression+duplicated columns", np.column_stack([Xm, Xm[:, :3]]), ym

    def test_same_model_as_linear_regression(self):
        rng = np.random.default_rng(8)
        for name, X, y in self.cases():
            for fit_intercept in (True, False):
                for weighted in (False, True):
                    w = rng.uniform(0.5, 2.0, size=len(X)) if weighted else None
                    msg = (name, fit_intercept, weighted)
                    ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
                    ours = sia.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
                    assert_same_model(self, ours, *lstsq_model(X, y, w, fit_intercept), msg=msg)
                    deficient = np.linalg.matrix_rank(X) < X.shape[1]
                    if deficient and ref.rank_ > ours.rank_:
                        # LinearRegression's cutoff (eps * s_max) kept a
                        # rounding-level singular value: its answer is noise.
                        self.assertGreater(np.abs(ref.coef_).max(), 1e10, msg)
                        continue
                    assert_same_model(self, ours, ref.coef_, ref.intercept_, msg=msg)
                    self.assertEqual(ours.rank_, ref.rank_, msg)
                    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10, atol=1e-10 * np.abs(y).max())
                    self.assertAlmostEqual(ours.score(X, y, sample_weight=w), ref.score(X, y, sample_weight=w),
                                           places=10)
                    if "copy" in name or "sum" in name or "duplicated" in name:
                        # The minimum-norm solution, not 1e17 coefficients.
                        self.assertLess(ref.rank_, X.shape[1], msg)
                        self.assertLess(np.abs(ours.coef_).max(), 1e4, msg)

    def test_default_on_diabetes(self):
        X, y = load_diabetes(return_X_y=True)
        self.assertAlmostEqual(sia.LinearRegression().fit(X, y).score(X, y),
                               SkLinearRegression().fit(X, y).score(X, y), places=12)
        self.assertGreater(sia.LinearRegression().fit(X, y).score(X, y), 0.5)

    def test_online_equals_linear_regression_on_current_rows(self):
        rng = np.random.default_rng(9)
        X, y = make_regression(n_samples=3000, n_features=12, noise=3.0, random_state=2)
        X = X * rng.uniform(0.1, 100, size=12) + rng.uniform(-50, 50, size=12)
        w = rng.uniform(0.1, 3, size=3000)
        for fit_intercept in (True, False):
            for ww in (None, w):
                msg = (fit_intercept, ww is not None)
                sub = (lambda lo, hi: None) if ww is None else (lambda lo, hi: ww[lo:hi])
                m = sia.LinearRegression(fit_intercept=fit_intercept).fit(X[:500], y[:500], sub(0, 500))
                for lo in range(500, 2500, 400):
                    m.partial_fit(X[lo:lo + 400], y[lo:lo + 400], sub(lo, lo + 400))
                ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X[:2500], y[:2500], sub(0, 2500))
                assert_same_model(self, m, ref.coef_, ref.intercept_, msg=msg)
                m.remove(X[:700], y[:700], sub(0, 700))
                ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X[700:2500], y[700:2500], sub(700, 2500))
                assert_same_model(self, m, ref.coef_, ref.intercept_, msg=msg)
                self.assertEqual(m.n_samples_seen_, 1800)
                # Targets move (and 100 rows arrive): no re-factoring.
                moved = y + 0.01 * np.arange(3000.0)
                m.refit_targets(X[700:2600], moved[700:2600], n_new=100, sample_weight=sub(700, 2600))
                ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X[700:2600], moved[700:2600],
                                                                         sub(700, 2600))
                assert_same_model(self, m, ref.coef_, ref.intercept_, msg=msg)
                m.refit_targets(X[700:2600], y[700:2600], sample_weight=sub(700, 2600))  # n_new = 0
                ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X[700:2600], y[700:2600], sub(700, 2600))
                assert_same_model(self, m, ref.coef_, ref.intercept_, msg=msg)
                m.partial_fit(X[2600:], y[2600:], sub(2600, 3000))  # the memo continues after a refit
                ref = SkLinearRegression(fit_intercept=fit_intercept).fit(X[700:], y[700:], sub(700, 3000))
                assert_same_model(self, m, ref.coef_, ref.intercept_, msg=msg)

    def test_online_on_rank_deficient_rows(self):
        X, y = load_diabetes(return_X_y=True)
        X = np.column_stack([X, X[:, 2]])
        m = sia.LinearRegression().fit(X[:5], y[:5])  # fewer rows than columns
        for lo in range(5, 442, 37):
            m.partial_fit(X[lo:lo + 37], y[lo:lo + 37])
            ref = SkLinearRegression().fit(X[:lo + 37], y[:lo + 37])
            if ref.rank_ == m.rank_:  # LinearRegression's eps cutoff keeps noise on tiny row sets
                assert_same_model(self, m, ref.coef_, ref.intercept_, msg=lo)
        self.assertEqual(m.rank_, 10)
        assert_same_model(self, m, ref.coef_, ref.intercept_)

    def test_sparse_input_is_densified(self):
        import scipy.sparse as sp
        X, y = load_diabetes(return_X_y=True)
        X = np.where(np.abs(X) > 0.03, X, 0.0)
        dense = sia.LinearRegression().fit(X, y)
        for fmt in ("csr", "csc", "coo"):
            S = sp.random(1, 1).asformat(fmt).__class__(X)
            m = sia.LinearRegression().fit(S, y)
            assert_same_model(self, m, dense.coef_, dense.intercept_, tol=1e-13, msg=fmt)
            np.testing.assert_allclose(m.predict(S), dense.predict(X), rtol=1e-12)

    def test_scikit_learns_errors(self):
        X, y = load_diabetes(return_X_y=True)
        for ours_fit, theirs_fit in ((sia.LinearRegression().fit, SkLinearRegression().fit),):
            for bad_X, bad_y in [(X[:0], y[:0]), (X[:, :0], y), (X + 1j, y), (X[:, 0], y),
                                 (np.where(X > 0.1, np.nan, X), y), (np.where(X > 0.1, np.inf, X), y),
                                 (X, np.where(y > 300, np.nan, y)),
                                 (np.full((3, 2), "a", dtype=object), y[:3]), (X, None), (X, y[:-1])]:
                with self.assertRaises(Exception) as ref:
                    theirs_fit(bad_X, bad_y)
                with self.assertRaises(Exception) as got:
                    ours_fit(bad_X, bad_y)
                self.assertIsInstance(got.exception, type(ref.exception))
                self.assertEqual(str(got.exception).replace("sia.", ""), str(ref.exception))
            # object arrays of numbers are fine, as for scikit-learn
            assert_same_model(self, sia.LinearRegression().fit(X.astype(object), y),
                              SkLinearRegression().fit(X, y).coef_, SkLinearRegression().fit(X, y).intercept_)
        fitted, ref = sia.LinearRegression().fit(X, y), SkLinearRegression().fit(X, y)
        for bad in (X[:, 0], X[:, :3], X[0]):
            with self.assertRaises(ValueError) as e1:
                ref.predict(bad)
            with self.assertRaises(ValueError) as e2:
                fitted.predict(bad)
            self.assertEqual(str(e2.exception), str(e1.exception))
        with self.assertRaises(sia.NotFittedError):
            sia.LinearRegression().predict(X)
        self.assertTrue(issubclass(sia.NotFittedError, ValueError))
        self.assertTrue(issubclass(sia.SiaError, ValueError))
        with self.assertRaises(ValueError) as cm:
            fitted.partial_fit(X[:, :5], y)
        self.assertIn("X has 5 features, but LinearRegression is expecting 10 features", str(cm.exception))

    def test_feature_names(self):
        try:
            import pandas as pd
        except ImportError:
            self.skipTest("pandas is not installed")
        X, y = load_diabetes(return_X_y=True, as_frame=True)
        m = sia.LinearRegression().fit(X, y)
        np.testing.assert_array_equal(m.feature_names_in_, np.asarray(X.columns, dtype=object))
        with self.assertRaises(ValueError):
            m.predict(X[X.columns[::-1]])

    def test_check_estimator(self):
        """scikit-learn's own estimator checks, each as a subtest (what
        parametrize_with_checks does under pytest)."""
        checks = list(check_estimator(sia.LinearRegression(), generate_only=True))
        self.assertGreaterEqual(len(checks), 45)
        names = set()
        for est, check in checks:
            name = getattr(check, "func", check).__name__
            names.add(name)
            with self.subTest(check=name):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    check(est)
        for must in ("check_regressors_train", "check_complex_data", "check_estimators_empty_data_messages",
                     "check_estimators_nan_inf", "check_fit2d_predict1d", "check_estimator_sparse_data",
                     "check_sample_weights_invariance", "check_estimators_pickle", "check_dtype_object",
                     "check_regressor_multioutput", "check_estimators_partial_fit_n_features"):
            self.assertIn(must, names)
        self.assertFalse(sia.LinearRegression()._get_tags()["_xfail_checks"])

    def test_meta_estimators(self):
        X, y = load_diabetes(return_X_y=True)
        ours = cross_val_score(make_pipeline(StandardScaler(), sia.LinearRegression()), X, y, cv=5)
        ref = cross_val_score(make_pipeline(StandardScaler(), SkLinearRegression()), X, y, cv=5)
        np.testing.assert_allclose(ours, ref, rtol=1e-10)
        np.testing.assert_allclose(cross_val_score(sia.LinearRegression(), X, y, cv=3),
                                   cross_val_score(SkLinearRegression(), X, y, cv=3), rtol=1e-10)
        v = VotingRegressor([("sia", sia.LinearRegression()), ("sk", SkLinearRegression())]).fit(X, y)
        np.testing.assert_allclose(v.predict(X), SkLinearRegression().fit(X, y).predict(X), rtol=1e-10)
        StackingRegressor([("sia", sia.LinearRegression())], final_estimator=SkLinearRegression()).fit(X, y)
        c = clone(sia.LinearRegression(fit_intercept=False, rcond=1e-10))
        self.assertEqual(c.get_params()["rcond"], 1e-10)


class TestOnline(unittest.TestCase):
    """partial_fit, remove and refit_targets against numpy on the current
    rows (without scikit-learn)."""

    def setUp(self):
        rng = np.random.default_rng(11)
        self.X = rng.normal(size=(1500, 7)) * [1, 5, 50, 0.2, 1, 1, 2] + [10, 0, -300, 5, 0, 1, 2]
        self.y = self.X @ rng.normal(size=7) + 2 + rng.normal(size=1500)
        self.w = rng.uniform(0.1, 2, size=1500)

    def test_partial_fit_is_incremental_and_exact(self):
        X, y = self.X, self.y
        m = sia.LinearRegression().fit(X[:300], y[:300])
        before = sia.memo_stats()["hits"]
        for lo in range(300, 1500, 200):
            m.partial_fit(X[lo:lo + 200], y[lo:lo + 200])
            assert_same_model(self, m, *lstsq_model(X[:lo + 200], y[:lo + 200]), msg=lo)
        self.assertEqual(sia.memo_stats()["hits"] - before, 6)  # each an incre_train on the memo
        self.assertEqual(m.n_samples_seen_, 1500)

    def test_from_nothing_in_small_batches(self):
        X, y = self.X[:60], self.y[:60]
        m = sia.LinearRegression()
        for lo in range(0, 60, 3):
            m.partial_fit(X[lo:lo + 3], y[lo:lo + 3])
            assert_same_model(self, m, *lstsq_model(X[:lo + 3], y[:lo + 3]), tol=1e-9, msg=lo)
            self.assertEqual(m.rank_, min(lo + 2, 7))

    def test_remove_and_foreign_rows(self):
        X, y, w = self.X, self.y, self.w
        m = sia.LinearRegression().fit(X, y, sample_weight=w)
        m.remove(X[100:400], y[100:400], sample_weight=w[100:400])
        keep = np.r_[0:100, 400:1500]
        assert_same_model(self, m, *lstsq_model(X[keep], y[keep], w[keep]))
        coef = m.coef_.copy()
        with self.assertRaises(sia.SiaError) as cm:
            m.remove(X[100:400] * 3 + 7, y[100:400] * 5)  # rows it never had
        self.assertEqual(cm.exception.code, sia.ECOLD)
        np.testing.assert_array_equal(m.coef_, coef)
        with self.assertRaises(ValueError):
            m.remove(X[:1200], y[:1200])  # more rows than it holds

    def test_remove_fails_loudly_then_fit_recovers(self):
        # A model at its limit: removing all but n rows is refused (ECOLD).
        X, y = self.X[:20], self.y[:20]
        m = sia.LinearRegression().fit(X, y)
        with self.assertRaises(sia.SiaError) as cm:
            m.remove(X[:15], y[:15])
        self.assertEqual(cm.exception.code, sia.ECOLD)
        assert_same_model(self, m, *lstsq_model(X, y))

    def test_remove_into_rank_deficiency_is_refused(self):
        # What keeps the minimum-norm solution scikit-learn's after rows
        # leave (sia/_estimator.py, _set_solution): a downdate that would
        # make the design rank-deficient is refused, model unchanged.
        X, y = self.X[:600].copy(), self.y[:600]
        X[100:, 4] = 2.0                       # constant once the first 100 rows leave
        X2 = self.X[:600].copy()
        X2[100:, 3] = 2 * X2[100:, 1] + 1      # collinear with an offset
        for Xd in (X, X2):
            m = sia.LinearRegression().fit(Xd, y)
            coef = m.coef_.copy()
            with self.assertRaises(sia.SiaError) as cm:
                m.remove(Xd[:100], y[:100])
            self.assertEqual(cm.exception.code, sia.ECOLD)
            np.testing.assert_array_equal(m.coef_, coef)
            m.fit(Xd[100:], y[100:])           # what the caller does then
            assert_same_model(self, m, *lstsq_model(Xd[100:], y[100:]))
            self.assertEqual(m.rank_, 6)  # 7 features, one dependency

    def test_fortran_order_in_incremental_calls(self):
        X, y, w = self.X, self.y, self.w
        F = np.asfortranarray
        for fit_intercept in (True, False):
            m = sia.LinearRegression(fit_intercept=fit_intercept).fit(F(X[:500]), y[:500], sample_weight=w[:500])
            m.partial_fit(F(X[500:900]), y[500:900], sample_weight=w[500:900])
            assert_same_model(self, m, *lstsq_model(X[:900], y[:900], w[:900], fit_intercept))
            m.remove(F(X[:200]), y[:200], sample_weight=w[:200])
            assert_same_model(self, m, *lstsq_model(X[200:900], y[200:900], w[200:900], fit_intercept))
            moved = y * 1.5 - 3
            m.refit_targets(F(X[200:1000]), moved[200:1000], n_new=100, sample_weight=w[200:1000])
            assert_same_model(self, m, *lstsq_model(X[200:1000], moved[200:1000], w[200:1000], fit_intercept))

    def test_refit_targets_checks_rows(self):
        m = sia.LinearRegression().fit(self.X[:500], self.y[:500])
        with self.assertRaises(ValueError):
            m.refit_targets(self.X[:400], self.y[:400])
        with self.assertRaises(ValueError):
            m.refit_targets(self.X[:500], self.y[:500], n_new=-1)

    def test_model_ids_and_lifetime(self):
        X, y = self.X, self.y
        a, b = sia.LinearRegression(), sia.LinearRegression()
        a.fit(X[:100], y[:100])
        b.fit(X[100:], y[100:])
        self.assertNotEqual(a.model_id_, b.model_id_)
        self.assertGreaterEqual(a.model_id_, 1 << 62)
        n = sia.memo_count()
        del a
        gc.collect()
        self.assertEqual(sia.memo_count(), n - 1)  # a private ID's memo goes with the estimator
        c = sia.LinearRegression(model_id=777, fit_intercept=False).fit(X[:150], y[:150])
        x = sia.incre_train(X[150:300], y[150:300], model_id=777)  # the C API's model
        np.testing.assert_allclose(x, lstsq_model(X[:300], y[:300], fit_intercept=False)[0], rtol=1e-9)
        del c
        gc.collect()
        self.assertTrue(sia.memo_drop(777))  # a given ID is not dropped by the estimator
        with self.assertRaises(ValueError):
            sia.LinearRegression(model_id=-3).fit(X, y)
        with self.assertRaises(TypeError):
            sia.LinearRegression(model_id="7").fit(X, y)

    def test_rcond(self):
        X = np.column_stack([self.X, self.X[:, 1]])
        y = self.y
        m = sia.LinearRegression().fit(X, y)
        self.assertEqual(m.rank_, 7)
        assert_same_model(self, m, *lstsq_model(X, y))
        # dgels mode: no SVD; an exactly zero R(i,i) (here: a zero column)
        # is an error.
        Xc = self.X.copy()
        Xc[:, 2] = 0.0
        with self.assertRaises(sia.SiaError) as cm:
            sia.LinearRegression(rcond=-1, fit_intercept=False).fit(Xc, y)
        self.assertGreater(cm.exception.code, 0)
        fast = sia.LinearRegression(rcond=-1).fit(self.X, y)
        assert_same_model(self, fast, *lstsq_model(self.X, y))
        # A large rcond cuts small singular values, as numpy's lstsq.
        s = np.linalg.svd(self.X - self.X.mean(0), compute_uv=False)
        cut = sia.LinearRegression(rcond=float(s[-2] / s[0] * 1.01)).fit(self.X, y)
        self.assertEqual(cut.rank_, 5)
        Xc = self.X - self.X.mean(0)
        c = np.linalg.lstsq(Xc, y - y.mean(), rcond=float(s[-2] / s[0] * 1.01))[0]
        np.testing.assert_allclose(cut.coef_, c, rtol=1e-9, atol=1e-12)

    def test_pickle(self):
        X, y = self.X, self.y
        m = sia.LinearRegression().fit(X[:1000], y[:1000])
        c = pickle.loads(pickle.dumps(m))
        np.testing.assert_array_equal(c.predict(X), m.predict(X))
        self.assertEqual(c.rank_, m.rank_)
        with self.assertRaises(sia.SiaError) as cm:
            c.partial_fit(X[1000:], y[1000:])  # the private factor stays with the original
        self.assertEqual(cm.exception.code, sia.ENOMEMO)
        m.partial_fit(X[1000:], y[1000:])  # the original is not disturbed by the copy
        assert_same_model(self, m, *lstsq_model(X, y))
        c.fit(X, y)  # a copy refits under a new private ID
        self.assertNotEqual(c.model_id_, m.model_id_)

    def test_durable_model_across_processes(self):
        """A given model_id, its factor in the durable memo and the
        estimator pickled: a new process continues it with partial_fit."""
        X, y = self.X, self.y
        with tempfile.TemporaryDirectory() as d:
            np.save(os.path.join(d, "X.npy"), X)
            np.save(os.path.join(d, "y.npy"), y)
            code = textwrap.dedent("""
                import os, pickle, sys, numpy as np, sia
                d, step = sys.argv[1], sys.argv[2]
                X, y = np.load(os.path.join(d, "X.npy")), np.load(os.path.join(d, "y.npy"))
                sia.memo_open(os.path.join(d, "memo.db"))
                if step == "1":
                    m = sia.LinearRegression(model_id=4242).fit(X[:1000], y[:1000])
                    with open(os.path.join(d, "m.pkl"), "wb") as f:
                        pickle.dump(m, f)
                else:
                    with open(os.path.join(d, "m.pkl"), "rb") as f:
                        m = pickle.load(f)
                    m.partial_fit(X[1000:], y[1000:])
                    np.save(os.path.join(d, "coef.npy"), np.append(m.coef_, m.intercept_))
                    print(sia.memo_stats()["corrupt"])
                sia.memo_close()
            """)
            env = dict(os.environ, PYTHONPATH=PKG_PARENT + os.pathsep + os.environ.get("PYTHONPATH", ""))
            for step in ("1", "2"):
                r = subprocess.run([sys.executable, "-c", code, d, step], capture_output=True, text=True, env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), "0")
            got = np.load(os.path.join(d, "coef.npy"))
        coef, icpt = lstsq_model(X, y)
        np.testing.assert_allclose(got, np.append(coef, icpt), rtol=1e-9)


class TestSlidingWindowExample(unittest.TestCase):
    """examples/sliding_window.py, the README's example: every window's
    model is a fresh fit of that window."""

    def test_each_window_is_exact(self):
        import importlib.util
        path = os.path.join(os.path.dirname(HERE), "examples", "sliding_window.py")
        spec = importlib.util.spec_from_file_location("sia_sliding_window_example", path)
        ex = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ex)
        rng = np.random.default_rng(12)
        X = rng.normal(size=(1400, 5)) * [1, 2, 3, 4, 5] + 20
        y = X @ [1.0, -1.0, 0.5, 2.0, 0.0] + 7 + rng.normal(size=1400)
        starts = []
        for start, model in ex.sliding_window(X, y, w=600, s=200, steps=4):
            assert_same_model(self, model, *lstsq_model(X[start:start + 600], y[start:start + 600]), msg=start)
            self.assertEqual(model.n_samples_seen_, 600)
            starts.append(start)
        self.assertEqual(starts, [0, 200, 400, 600, 800])


class TestWithoutScikitLearn(unittest.TestCase):
    """The class works where scikit-learn is absent, with scikit-learn's
    errors and messages (compared with scikit-learn's own where it is
    installed)."""

    CASES = {
        "empty": "X[:0], y[:0]", "no_features": "X[:, :0], y", "complex": "X + 1j, y", "one_d": "X[:, 0], y",
        "nan": "np.where(X > 1, np.nan, X), y", "inf": "np.where(X > 1, np.inf, X), y",
        "nan_y": "X, np.where(y > 1, np.nan, y)", "strings": "np.full((3, 2), 'a', dtype=object), y[:3]",
        "y_none": "X, None", "lengths": "X, y[:-1]",
    }
    SCRIPT = textwrap.dedent("""
        import json, sys
        sys.modules["sklearn"] = None  # import sklearn fails: as if not installed
        import numpy as np, sia
        from sia import _estimator
        assert not _estimator.HAVE_SKLEARN
        rng = np.random.default_rng(1)
        X = rng.normal(size=(50, 3)); y = X @ [1.0, 2.0, 3.0] + 4 + rng.normal(size=50) * 0.1
        out = {}
        for name, expr in json.loads(sys.argv[1]).items():
            try:
                sia.LinearRegression().fit(*eval(expr))
                out[name] = None
            except Exception as e:
                out[name] = [type(e).__name__, str(e).split("\\n")[0]]
        m = sia.LinearRegression().fit(X, y)
        try:
            m.predict(X[:, :2])
        except ValueError as e:
            out["predict_features"] = ["ValueError", str(e)]
        try:
            sia.LinearRegression().predict(X)
        except sia.NotFittedError as e:
            out["unfitted"] = ["NotFittedError", str(e)]
        m.partial_fit(X[:10], y[:10], sample_weight=np.full(10, 2.0))
        m.remove(X[:10], y[:10], sample_weight=np.full(10, 2.0))
        out["coef"] = list(m.coef_) + [m.intercept_, m.score(X, y)]
        out["params"] = m.get_params()
        out["repr"] = repr(sia.LinearRegression(fit_intercept=False))
        print(json.dumps(out))
    """)

    def run_without(self):
        env = dict(os.environ, PYTHONPATH=PKG_PARENT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        r = subprocess.run([sys.executable, "-c", self.SCRIPT, json.dumps(self.CASES)], capture_output=True,
                           text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_works_and_errs_as_scikit_learn(self):
        out = self.run_without()
        rng = np.random.default_rng(1)
        X = rng.normal(size=(50, 3))
        y = X @ [1.0, 2.0, 3.0] + 4 + rng.normal(size=50) * 0.1
        coef, icpt = lstsq_model(X, y)
        np.testing.assert_allclose(out["coef"][:4], np.append(coef, icpt), rtol=1e-10)
        self.assertGreater(out["coef"][4], 0.99)
        self.assertEqual(out["params"]["fit_intercept"], True)
        self.assertEqual(out["repr"], "LinearRegression(fit_intercept=False)")
        for name in self.CASES:
            self.assertIsNotNone(out[name], name)
            self.assertEqual(out[name][0], "ValueError", name)
        self.assertEqual(out["predict_features"][1], "X has 2 features, but LinearRegression is expecting 3 "
                                                     "features as input.")
        self.assertIn("is not fitted yet", out["unfitted"][1])
        if HAVE_SKLEARN:
            for name, expr in self.CASES.items():
                with self.assertRaises(ValueError) as cm:
                    SkLinearRegression().fit(*eval(expr))
                self.assertEqual(out[name][1], str(cm.exception).split("\n")[0], name)


if __name__ == "__main__":
    unittest.main()
