"""sia.LinearModel against numpy.linalg.lstsq and, where installed,
scikit-learn's LinearRegression (unittest)."""
import gc
import unittest

import numpy as np

import sia

try:
    from sklearn.base import clone
    from sklearn.linear_model import LinearRegression
    HAVE_SKLEARN = True
except ImportError:  # Debian: python3-sklearn
    HAVE_SKLEARN = False


def keys(rng, m, n):
    """Key-like rows: byte values and a bias column."""
    a = rng.integers(0, 256, size=(m, n)).astype(float)
    a[:, -1] = 1.0
    return a


def lstsq(a, b, rcond=None):
    return np.linalg.lstsq(a, b, rcond=rcond)[0]


def rel(x, ref):
    return np.linalg.norm(np.asarray(x) - ref) / max(np.linalg.norm(ref), 1e-300)


class TestLinearModel(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(5)

    def test_fit_matches_lstsq(self):
        X = keys(self.rng, 500, 9)
        y = X @ self.rng.normal(size=9) + self.rng.normal(size=500)
        m = sia.LinearModel().fit(X, y)
        self.assertEqual(m.coef_.shape, (9,))
        self.assertEqual(m.intercept_, 0.0)
        self.assertLess(rel(m.coef_, lstsq(X, y)), 1e-10)
        self.assertEqual((m.n_features_in_, m.n_samples_seen_, m.rank_), (9, 500, 9))
        np.testing.assert_allclose(m.predict(X[:7]), X[:7] @ lstsq(X, y), rtol=1e-9)
        # 2-D targets: coef_ is (n_targets, n_features), as in scikit-learn.
        Y = np.column_stack([y, 2 * y + 1, np.arange(500.0)])
        m2 = sia.LinearModel().fit(X, Y)
        self.assertEqual(m2.coef_.shape, (3, 9))
        self.assertEqual(m2.intercept_.shape, (3,))
        self.assertLess(rel(m2.coef_, lstsq(X, Y).T), 1e-10)
        self.assertEqual(m2.predict(X[:4]).shape, (4, 3))

    def test_fit_intercept(self):
        X = self.rng.normal(size=(300, 4)) * 50 + 100
        y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 17.0 + self.rng.normal(size=300)
        m = sia.LinearModel(fit_intercept=True).fit(X, y)
        ref = lstsq(np.column_stack([X, np.ones(300)]), y)
        self.assertLess(rel(m.coef_, ref[:4]), 1e-10)
        self.assertAlmostEqual(m.intercept_, ref[4], delta=1e-8 * abs(ref[4]))
        self.assertEqual(m.coef_.shape, (4,))
        # The bias column travels with partial_fit and predict.
        X2 = self.rng.normal(size=(50, 4)) * 50 + 100
        y2 = X2 @ np.array([1.0, -2.0, 0.5, 3.0]) + 17.0
        m.partial_fit(X2, y2)
        ref = lstsq(np.column_stack([np.vstack([X, X2]), np.ones(350)]), np.concatenate([y, y2]))
        self.assertLess(rel(np.append(m.coef_, m.intercept_), ref), 1e-10)
        np.testing.assert_allclose(m.predict(X2), X2 @ ref[:4] + ref[4], rtol=1e-9)

    def test_partial_fit_is_incremental_and_exact(self):
        X = keys(self.rng, 2000, 17)
        y = np.arange(2000.0)
        m = sia.LinearModel().fit(X[:400], y[:400])
        before = sia.memo_stats()["hits"]
        for lo in range(400, 2000, 160):
            m.partial_fit(X[lo:lo + 160], y[lo:lo + 160])
            self.assertLess(rel(m.coef_, lstsq(X[:lo + 160], y[:lo + 160])), 1e-9)
        # Each partial_fit was an incre_train on the memo, not a refit.
        self.assertEqual(sia.memo_stats()["hits"] - before, 10)
        self.assertEqual(m.n_samples_seen_, 2000)

    def test_partial_fit_from_nothing_with_small_batches(self):
        # Fewer rows than columns: minimum-norm solutions until there are
        # enough rows for a factor, then incremental.
        X = keys(self.rng, 60, 9)
        y = self.rng.normal(size=60)
        m = sia.LinearModel()
        for lo in range(0, 60, 4):
            m.partial_fit(X[lo:lo + 4], y[lo:lo + 4])
            self.assertLess(rel(m.coef_, lstsq(X[:lo + 4], y[:lo + 4])), 1e-9, lo)
        self.assertEqual(m.n_samples_seen_, 60)
        self.assertTrue(sia.memo_drop(m.model_id_))  # it has a memo now

    def test_remove_is_exact(self):
        X = keys(self.rng, 600, 6)
        y = np.arange(600.0) + self.rng.normal(size=600)
        m = sia.LinearModel().fit(X, y)
        m.remove(X[100:250], y[100:250])
        keep = np.r_[0:100, 250:600]
        self.assertLess(rel(m.coef_, lstsq(X[keep], y[keep])), 1e-9)
        self.assertEqual(m.n_samples_seen_, 450)
        # Removing rows it never had: refused, model unchanged.
        coef = m.coef_.copy()
        with self.assertRaises(sia.SiaError) as cm:
            m.remove(X[100:250] * 3 + 7, y[100:250] * 5)
        self.assertEqual(cm.exception.code, sia.ECOLD)
        np.testing.assert_array_equal(m.coef_, coef)
        m.partial_fit(X[:1], y[:1])
        self.assertLess(rel(m.coef_, lstsq(np.vstack([X[keep], X[:1]]), np.append(y[keep], y[0]))), 1e-9)

    def test_rcond(self):
        X = keys(self.rng, 300, 7)
        X[:, 3] = 0.0  # a constant byte column: rank 6
        y = self.rng.normal(size=300)
        with self.assertRaises(sia.SiaError) as cm:
            sia.LinearModel().fit(X, y)  # dgels mode: R(4,4) == 0
        self.assertEqual(cm.exception.code, 4)
        m = sia.LinearModel(rcond=1e-10).fit(X, y)
        self.assertEqual(m.rank_, 6)
        self.assertLess(rel(m.coef_, lstsq(X, y, rcond=1e-10)), 1e-8)
        X2 = keys(self.rng, 40, 7)
        X2[:, 3] = 0.0
        m.partial_fit(X2, y[:40])
        self.assertLess(rel(m.coef_, lstsq(np.vstack([X, X2]), np.append(y, y[:40]), rcond=1e-10)), 1e-8)
        self.assertEqual(sia.get_rcond(), -1.0)  # the estimator's rcond is its own

    def test_model_ids(self):
        X = keys(self.rng, 200, 5)
        y = np.arange(200.0)
        a, b = sia.LinearModel(), sia.LinearModel()
        a.fit(X[:100], y[:100])
        b.fit(X[100:], y[100:])
        self.assertNotEqual(a.model_id_, b.model_id_)
        self.assertGreaterEqual(a.model_id_, 1 << 62)
        a.partial_fit(X[100:], y[100:])
        self.assertLess(rel(a.coef_, lstsq(X, y)), 1e-10)
        self.assertLess(rel(b.coef_, lstsq(X[100:], y[100:])), 1e-10)
        # A private ID's memo goes with the estimator.
        n = sia.memo_count()
        del a
        gc.collect()
        self.assertEqual(sia.memo_count(), n - 1)
        # A given ID is the C API's model: the functions continue it.
        c = sia.LinearModel(model_id=777).fit(X[:150], y[:150])
        x = sia.incre_train(X[150:], y[150:], model_id=777)
        self.assertLess(rel(x, lstsq(X, y)), 1e-10)
        self.assertEqual(c.model_id_, 777)
        del c
        gc.collect()
        self.assertTrue(sia.memo_drop(777))  # not dropped by the estimator

    def test_errors(self):
        m = sia.LinearModel()
        with self.assertRaises(sia.SiaError):
            m.predict([[1.0, 2.0]])  # not fitted
        with self.assertRaises(AttributeError):
            m.coef_
        X = keys(self.rng, 50, 4)
        with self.assertRaises(sia.SiaError) as cm:
            m.fit(X, np.zeros(49))
        self.assertEqual(cm.exception.code, -8)
        with self.assertRaises(sia.SiaError) as cm:
            m.fit(X[:, 0], np.zeros(50))  # 1-D X
        self.assertEqual(cm.exception.code, -6)
        m.fit(X, np.arange(50.0))
        with self.assertRaises(sia.SiaError) as cm:
            m.predict(X[:, :3])
        self.assertEqual(cm.exception.code, -6)
        with self.assertRaises(sia.SiaError) as cm:
            m.partial_fit(X[:, :3], np.zeros(50))
        self.assertEqual(cm.exception.code, -6)
        with self.assertRaises(sia.SiaError) as cm:
            m.partial_fit(X, np.zeros((50, 2)))  # targets of another shape
        self.assertEqual(cm.exception.code, -8)
        with self.assertRaises(sia.SiaError) as cm:
            sia.LinearModel(model_id=-3).fit(X, np.zeros(50))
        with self.assertRaises(TypeError):
            sia.LinearModel(model_id="7").fit(X, np.zeros(50))
        sia.memo_drop(m.model_id_)
        with self.assertRaises(sia.SiaError) as cm:
            m.partial_fit(X[:2], np.zeros(2))  # its memo is gone
        self.assertEqual(cm.exception.code, sia.ENOMEMO)

    def test_params_and_score(self):
        m = sia.LinearModel(model_id=None, fit_intercept=True, rcond=1e-12)
        self.assertEqual(m.get_params(), {"model_id": None, "fit_intercept": True, "rcond": 1e-12})
        self.assertIs(m.set_params(fit_intercept=False), m)
        self.assertFalse(m.fit_intercept)
        with self.assertRaises(ValueError):
            m.set_params(alpha=1.0)
        X = keys(self.rng, 100, 4)
        y = X @ np.array([1.0, 2.0, 3.0, 4.0])
        self.assertAlmostEqual(m.fit(X, y).score(X, y), 1.0, places=12)
        noisy = y + self.rng.normal(size=100) * 100
        r2 = m.fit(X, noisy).score(X, noisy)
        pred = m.predict(X)
        self.assertAlmostEqual(r2, 1 - ((noisy - pred) ** 2).sum() / ((noisy - noisy.mean()) ** 2).sum(), places=12)


@unittest.skipUnless(HAVE_SKLEARN, "scikit-learn is not installed (Debian: python3-sklearn)")
class TestAgainstScikitLearn(unittest.TestCase):
    def test_same_model_as_linear_regression(self):
        rng = np.random.default_rng(9)
        X = keys(rng, 400, 8)
        y = X @ rng.normal(size=8) + rng.normal(size=400)
        Y = np.column_stack([y, -y + 3])
        for fit_intercept, Xf in ((False, X), (True, X[:, :-1])):
            for target in (y, Y):
                ours = sia.LinearModel(fit_intercept=fit_intercept).fit(Xf, target)
                ref = LinearRegression(fit_intercept=fit_intercept).fit(Xf, target)
                self.assertEqual(ours.coef_.shape, ref.coef_.shape)
                np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
                np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-8)
                np.testing.assert_allclose(ours.predict(Xf), ref.predict(Xf), rtol=1e-9)
                self.assertAlmostEqual(ours.score(Xf, target), ref.score(Xf, target), places=10)

    def test_partial_fit_equals_linear_regression_on_all_rows(self):
        rng = np.random.default_rng(10)
        X = keys(rng, 1000, 12)
        y = np.arange(1000.0)
        ours = sia.LinearModel().fit(X[:200], y[:200])
        for lo in range(200, 1000, 200):
            ours.partial_fit(X[lo:lo + 200], y[lo:lo + 200])
            ref = LinearRegression(fit_intercept=False).fit(X[:lo + 200], y[:lo + 200])
            np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)

    def test_clone(self):
        m = sia.LinearModel(fit_intercept=True, rcond=1e-10)
        c = clone(m)
        self.assertEqual(c.get_params(), m.get_params())
        self.assertIsNot(c, m)


if __name__ == "__main__":
    unittest.main()
