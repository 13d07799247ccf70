"""sia.lstsq against numpy.linalg.lstsq: numpy's own lstsq tests (the
test file numpy ships, numpy/linalg/tests/test_linalg.py) run with
sia.lstsq in place of numpy.linalg.lstsq, every real case; and the rcond,
dtype and empty-matrix rules (unittest)."""
import importlib.util
import os
import sys
import types
import unittest

import numpy as np

import sia

NUMPY_TESTS = os.path.join(os.path.dirname(np.linalg.__file__), "tests", "test_linalg.py")


def _pytest_stub():
    """Enough of pytest for numpy's test module to import without it:
    marks are no-ops, parametrize records its arguments."""
    mod = types.ModuleType("pytest")

    def mark_factory(name):
        def mark(*args, **kwargs):
            if len(args) == 1 and callable(args[0]) and not kwargs:
                return args[0]

            def deco(f):
                if name == "parametrize":
                    f.sia_parametrize = (args[0], list(args[1]))
                return f
            return deco
        return mark

    class Marks:
        def __getattr__(self, name):
            return mark_factory(name)

    mod.mark = Marks()
    mod.fixture = mark_factory("fixture")
    mod.param = lambda *values, **kw: values
    mod.skip = lambda msg="", **kw: (_ for _ in ()).throw(unittest.SkipTest(msg))
    mod.raises = None  # not used by the lstsq tests
    return mod


def load_numpy_tests():
    if not os.path.exists(NUMPY_TESTS):
        return None
    saved = sys.modules.get("pytest")
    if saved is None:
        sys.modules["pytest"] = _pytest_stub()
    try:
        spec = importlib.util.spec_from_file_location("sia_numpy_test_linalg", NUMPY_TESTS)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        if saved is None:
            del sys.modules["pytest"]


NT = load_numpy_tests()


def is_complex(case):
    return any(np.iscomplexobj(np.asarray(v)) for v in (case.a, case.b) if v is not None)


class SiaLinalg:
    """numpy.linalg with lstsq replaced by sia.lstsq."""

    def __getattr__(self, name):
        return getattr(np.linalg, name)

    @staticmethod
    def lstsq(a, b, rcond=None):
        return sia.lstsq(a, b, rcond)


@unittest.skipIf(NT is None, "numpy's test file %s is not installed" % NUMPY_TESTS)
class TestNumpysLstsqCases(unittest.TestCase):
    """numpy's LstsqCases and TestLstsq, module-level ``linalg`` swapped for
    one whose lstsq is sia.lstsq. Complex cases are left out (libsia is
    real); every other case runs."""

    @classmethod
    def setUpClass(cls):
        cls.saved = NT.linalg
        NT.linalg = SiaLinalg()
        cls.real = [c for c in NT.CASES if not is_complex(c)]

    @classmethod
    def tearDownClass(cls):
        NT.linalg = cls.saved

    def cases_class(self):
        real = self.real

        class Cases(NT.LstsqCases):
            TEST_CASES = real
        return Cases()

    def test_case_counts(self):
        # Not vacuous: most of numpy's cases are real, and the complex ones
        # are the only ones left out.
        complex_cases = [c for c in NT.CASES if is_complex(c)]
        self.assertGreater(len(self.real), 200)
        self.assertEqual(len(self.real) + len(complex_cases), len(NT.CASES))
        self.assertTrue(all(("csingle" in c.name or "cdouble" in c.name or c.name.startswith("hc"))
                            for c in complex_cases))

    def run_cases(self, method):
        """Each case of a numpy test method as a subtest; returns how many
        cases the method's tag filter let through (and so ran)."""
        Cases = type(self.cases_class())
        ran = 0
        for case in self.real:
            probe = Cases()
            probe.TEST_CASES = [case]
            seen = []
            real_do = probe.do
            probe.do = lambda a, b, tags, _do=real_do: (seen.append(1), _do(a, b, tags))
            with self.subTest(case=case.name):
                getattr(probe, method)()
            ran += len(seen)
        return ran

    def test_sq_cases(self):
        self.assertGreater(self.run_cases("test_sq_cases"), 50)

    def test_nonsq_cases(self):
        self.assertGreater(self.run_cases("test_nonsq_cases"), 50)

    def test_empty_sq_cases(self):
        self.assertGreater(self.run_cases("test_empty_sq_cases"), 0)

    def test_empty_nonsq_cases(self):
        self.assertGreater(self.run_cases("test_empty_nonsq_cases"), 0)

    def test_empty_a_b(self):
        t = NT.TestLstsq()
        names, values = t.test_empty_a_b.sia_parametrize
        if isinstance(names, str):
            names = names.replace(" ", "").split(",")
        self.assertEqual(list(names), ["m", "n", "n_rhs"])
        self.assertGreaterEqual(len(values), 7)
        for m, n, n_rhs in values:
            with self.subTest(m=m, n=n, n_rhs=n_rhs):
                t.test_empty_a_b(m, n, n_rhs)

    def test_incompatible_dims(self):
        NT.TestLstsq().test_incompatible_dims()

    def test_future_rcond(self):
        # numpy 1.x's test of its deprecated default (rcond="warn": a
        # FutureWarning, then rcond=-1). sia.lstsq's default is numpy 2's,
        # rcond=None, so that half does not apply; the two explicit halves
        # of the test run here.
        a = np.array([[0., 1., 0., 1., 2., 0.], [0., 2., 0., 0., 1., 0.], [1., 0., 1., 0., 0., 4.],
                      [0., 0., 0., 2., 3., 0.]]).T
        b = np.array([1, 0, 0, 0, 0, 0])
        self.assertEqual(sia.lstsq(a, b, rcond=-1)[2], np.linalg.lstsq(a, b, rcond=-1)[2])
        self.assertEqual(sia.lstsq(a, b, rcond=-1)[2], 4)
        self.assertEqual(sia.lstsq(a, b, rcond=None)[2], 3)
        self.assertEqual(sia.lstsq(a, b)[2], 3)


class TestLstsq(unittest.TestCase):
    def test_against_numpy(self):
        rng = np.random.default_rng(2)
        for m, n, k in ((50, 7, None), (50, 7, 3), (7, 50, None), (7, 50, 2), (9, 9, 1), (300, 1, None)):
            a = rng.normal(size=(m, n))
            b = rng.normal(size=m if k is None else (m, k))
            got, ref = sia.lstsq(a, b), np.linalg.lstsq(a, b, rcond=None)
            np.testing.assert_allclose(got[0], ref[0], rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(got[1], ref[1], rtol=1e-10)
            self.assertEqual(got[1].shape, ref[1].shape)
            self.assertEqual(got[2], ref[2])
            np.testing.assert_allclose(got[3], ref[3], rtol=1e-12)

    def test_rcond_is_relative_to_the_largest_singular_value(self):
        rng = np.random.default_rng(3)
        u, _ = np.linalg.qr(rng.normal(size=(80, 6)))
        v, _ = np.linalg.qr(rng.normal(size=(6, 6)))
        s = np.array([1e3, 1e2, 1.0, 1e-3, 1e-6, 1e-9])
        a = (u * s) @ v.T
        b = rng.normal(size=80)
        for rcond, rank in ((1e-13, 6), (1e-11, 5), (2e-9, 4), (0.5e-6, 4), (1e-5, 3), (0.5, 1)):
            x, res, r, sv = sia.lstsq(a, b, rcond=rcond)
            xr, resr, rr, _ = np.linalg.lstsq(a, b, rcond=rcond)
            self.assertEqual((r, rr), (rank, rank), rcond)
            if rank < 6:  # (at rank 6, cond 1e12, solvers agree to about 1e-4 only)
                scale = np.abs(xr).max()
                self.assertLess(np.abs(x - xr).max(), 1e-13 * scale * s[0] / s[rank - 1], rcond)
            self.assertEqual(res.shape, (1,) if rank == 6 else (0,))
            np.testing.assert_allclose(sv, s, rtol=1e-6)
        # numpy's (dgelsd's) rules: rcond <= 0 or >= 1 is machine precision.
        for rcond in (0, -1, 1, 2.5):
            self.assertEqual(sia.lstsq(a, b, rcond=rcond)[2], np.linalg.lstsq(a, b, rcond=rcond)[2])

    def test_empty(self):
        b = np.arange(4.0)
        x, res, rank, s = sia.lstsq(np.zeros((4, 0)), b)
        self.assertEqual((x.shape, rank, s.shape), ((0,), 0, (0,)))
        np.testing.assert_array_equal(res, [b @ b])  # numpy: ||b||^2, not dgels's zeroed b
        x, res, rank, s = sia.lstsq(np.zeros((0, 3)), np.zeros((0, 2)))
        np.testing.assert_array_equal(x, np.zeros((3, 2)))
        self.assertEqual((res.shape, rank), ((0,), 0))

    def test_dtypes_and_options(self):
        a32 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], np.float32)
        b32 = np.array([1.0, 0.0, 2.0], np.float32)
        x, res, _, s = sia.lstsq(a32, b32)
        self.assertEqual((x.dtype, res.dtype, s.dtype), (np.float32,) * 3)
        self.assertEqual(sia.lstsq(a32, b32.astype(float))[0].dtype, np.float64)
        self.assertEqual(sia.lstsq([[1, 2], [3, 4], [5, 7]], [1, 0, 2])[0].dtype, np.float64)
        self.assertIsNone(sia.lstsq(a32, b32, singular_values=False)[3])
        with self.assertRaises(TypeError):
            sia.lstsq(a32 + 1j, b32)
        with self.assertRaises(np.linalg.LinAlgError):
            sia.lstsq(a32, b32[:2])
        with self.assertRaises(sia.SiaError):
            sia.lstsq(np.array([[1.0, np.nan], [1.0, 2.0]]), [1.0, 2.0])

    def test_model_id_memoizes(self):
        rng = np.random.default_rng(4)
        a, b = rng.normal(size=(100, 5)), rng.normal(size=100)
        sia.lstsq(a[:60], b[:60], model_id=91)
        x = sia.incre_train(a[60:], b[60:], model_id=91)
        np.testing.assert_allclose(x, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-10)
        self.assertTrue(sia.memo_drop(91))


if __name__ == "__main__":
    unittest.main()
