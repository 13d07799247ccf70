"""Tests of the Python binding against numpy.linalg.lstsq (unittest)."""
import inspect
import os
import subprocess
import sys
import tempfile
import threading
import unittest

import numpy as np

import sia


def keys(rng, m, n):
    a = rng.integers(0, 256, size=(m, n)).astype(float)
    a[:, -1] = 1.0
    return a


class TestTraining(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(7)
        sia.memo_clear()

    def test_cold_matches_lstsq_both_orders(self):
        for order in ("C", "F"):
            a = np.asarray(keys(self.rng, 300, 17), order=order)
            b = self.rng.normal(size=(300, 3))
            x = sia.cold_train(a, b, model_id=1)
            ref = np.linalg.lstsq(a, b, rcond=None)[0]
            self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-10)
            self.assertEqual(x.shape, (17, 3))

    def test_minimum_norm_and_trans(self):
        a = self.rng.normal(size=(5, 9))
        b = self.rng.normal(size=5)
        x = sia.cold_train(a, b)  # m < n: minimum norm
        ref = np.linalg.lstsq(a, b, rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref), 1e-12)
        at = self.rng.normal(size=(9, 5))
        bt = self.rng.normal(size=5)
        x = sia.cold_train(at, bt, trans="T")  # a^T x = b, underdetermined: minimum norm
        self.assertEqual(x.shape, (9,))
        ref = np.linalg.lstsq(at.T, bt, rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref), 1e-12)

    def test_incremental_equals_refit_and_plain_sequences(self):
        a = keys(self.rng, 400, 9)
        b = np.arange(400.0)
        sia.cold_train(a[:200], b[:200], model_id=5)
        for lo in range(200, 400, 50):
            x = sia.incre_train(a[lo:lo + 50], b[lo:lo + 50], model_id=5)
            ref = np.linalg.lstsq(a[:lo + 50], b[:lo + 50], rcond=None)[0]
            self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-10)
        # Plain nested lists work too.
        x = sia.incre_train([list(a[0])], [b[0]], model_id=5)
        ref = np.linalg.lstsq(np.vstack([a, a[:1]]), np.append(b, b[0]), rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-10)

    def test_fortran_order_in_incremental_calls(self):
        # Every incremental entry point given Fortran-ordered rows, alone or
        # beside C-ordered ones: read as column-major (or converted), never
        # misread as row-major.
        F = np.asfortranarray
        a = keys(self.rng, 400, 6)
        b = np.arange(400.0) + self.rng.normal(size=400)
        B2 = np.column_stack([b, -b])

        def ref(rows, targets):
            return np.linalg.lstsq(rows, targets, rcond=None)[0]

        for first, later in (("C", "F"), ("F", "F"), ("F", "C")):
            o = {"C": np.ascontiguousarray, "F": F}
            sia.cold_train(o[first](a[:200]), b[:200], model_id=60)
            x = sia.incre_train(o[later](a[200:300]), b[200:300], model_id=60)
            self.assertLess(np.linalg.norm(x - ref(a[:300], b[:300])), 1e-9 * np.linalg.norm(x), (first, later))
            x = sia.decre_train(o[later](a[:50]), b[:50], model_id=60)
            self.assertLess(np.linalg.norm(x - ref(a[50:300], b[50:300])), 1e-9 * np.linalg.norm(x), (first, later))
            x = sia.decre_train(o[later](a[50:60]), o[later](b[50:60, None]), model_id=60)[:, 0]
            self.assertLess(np.linalg.norm(x - ref(a[60:300], b[60:300])), 1e-9 * np.linalg.norm(x), (first, later))
        # incre_train_shifted: the new rows in one order, all rows in the
        # other. Few new rows among many and n = 40, so that libsia absorbs them (its
        # corrected semi-normal equations) rather than refactoring all rows
        # (which never reads a_new's values).
        big = keys(self.rng, 3000, 40)
        bb = np.arange(3000.0) + self.rng.normal(size=3000)
        moved = bb + 0.25 * (bb % 5)
        for new_order, all_order in (("F", "C"), ("C", "F"), ("F", "F")):
            o = {"C": np.ascontiguousarray, "F": F}
            sia.cold_train(big[:2995], bb[:2995], model_id=61)
            x = sia.incre_train_shifted(o[new_order](big[2995:]), o[all_order](big), moved, model_id=61)
            self.assertLess(np.linalg.norm(x - ref(big, moved)), 1e-9 * np.linalg.norm(x), (new_order, all_order))
            # The refinement corrects a solution even from a wrong factor;
            # the memo itself must hold the right rows: continue it.
            x = sia.incre_train(big[:20], bb[:20], model_id=61)
            self.assertLess(np.linalg.norm(x - ref(np.vstack([big, big[:20]]), np.append(moved, bb[:20]))),
                            1e-9 * np.linalg.norm(x), (new_order, all_order))
        # Batches: each job in its own order, 2-D targets in Fortran order.
        sia.cold_train(a[:200], B2[:200], model_id=62)
        sia.cold_train(F(a[:200]), b[:200], model_id=63)
        out = sia.train_batch([(F(a[200:260]), F(B2[200:260]), 62), (a[200:230], b[200:230], 63)])
        self.assertEqual([code for code, _ in out], [0, 0])
        self.assertLess(np.linalg.norm(out[0][1] - ref(a[:260], B2[:260])), 1e-9 * np.linalg.norm(out[0][1]))
        self.assertLess(np.linalg.norm(out[1][1] - ref(a[:230], b[:230])), 1e-9 * np.linalg.norm(out[1][1]))

    def test_inputs_not_modified(self):
        a = keys(self.rng, 100, 5)
        b = self.rng.normal(size=100)
        a0, b0 = a.copy(), b.copy()
        sia.cold_train(a, b, model_id=3)
        sia.incre_train(a[:10], b[:10], model_id=3)
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)

    def test_errors(self):
        with self.assertRaises(sia.SiaError) as cm:
            sia.incre_train(keys(self.rng, 3, 4), [1, 2, 3], model_id=12345)
        self.assertEqual(cm.exception.code, sia.ENOMEMO)
        self.assertIn("no memo", cm.exception.message)
        a = keys(self.rng, 20, 4)
        a[3, 1] = np.nan
        with self.assertRaises(sia.SiaError) as cm:
            sia.cold_train(a, np.zeros(20))
        self.assertEqual(cm.exception.code, -6)
        sia.cold_train(keys(self.rng, 20, 4), np.zeros(20), model_id=2)
        with self.assertRaises(sia.SiaError) as cm:
            sia.incre_train(keys(self.rng, 3, 5), [1, 2, 3], model_id=2)
        self.assertEqual(cm.exception.code, -4)

    def test_semantics(self):
        a = keys(self.rng, 300, 6)
        b = np.arange(300.0)
        sia.cold_train(a, b, model_id=7)
        x = sia.decre_train(a[:40], b[:40], model_id=7)
        ref = np.linalg.lstsq(a[40:], b[40:], rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-9)
        # Shifted targets: every position moves.
        sia.cold_train(a[:250], b[:250], model_id=8)
        now = b + 0.5 * (b % 3)
        x = sia.incre_train_shifted(a[250:], a, now, model_id=8)
        ref = np.linalg.lstsq(a, now, rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-9)
        # Merge and rank-deficient mode.
        sia.cold_train(a[:150], b[:150], model_id=9)
        sia.cold_train(a[150:], b[150:], model_id=10)
        sia.memo_merge(11, 9, 10)
        x = sia.incre_train(a[:1], b[:1], model_id=11)
        ref = np.linalg.lstsq(np.vstack([a, a[:1]]), np.append(b, b[0]), rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-9)
        d = a.copy()
        d[:, 2] = 0
        sia.set_rcond(1e-10)
        try:
            x = sia.cold_train(d, b, model_id=12)
            self.assertEqual(sia.last_rank(), 5)
            ref = np.linalg.lstsq(d, b, rcond=1e-10)[0]
            self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-8)
        finally:
            sia.set_rcond(-1)

    def test_batch_stats_and_durable_memo(self):
        a = keys(self.rng, 120, 5)
        b = np.arange(120.0)
        sia.cold_train(a[:100], b[:100], model_id=20)
        out = sia.train_batch([(a[100:], b[100:], 20), (a[:2], b[:2], 999)])
        self.assertEqual(out[0][0], 0)
        self.assertEqual(out[1], (sia.ENOMEMO, None))
        ref = np.linalg.lstsq(a, b, rcond=None)[0]
        self.assertLess(np.linalg.norm(out[0][1] - ref) / np.linalg.norm(ref), 1e-10)
        self.assertGreaterEqual(sia.memo_stats()["misses"], 1)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "memo.db")
            sia.memo_open(path)
            self.assertGreaterEqual(sia.memo_checkpoint(), 1)
            sia.memo_close()
            sia.memo_clear()
            self.assertGreaterEqual(sia.memo_open(path), 1)
            sia.memo_close()
        self.assertIn("selection:", sia.device_describe())

    def test_corrupt_durable_records_are_counted(self):
        # A record whose bytes changed on disk is dropped, counted in
        # sia_memo_stats' corrupt, and its model answers ENOMEMO.
        import struct
        a = np.array([[3.0], [4.0], [12.0]])  # R = +-13: findable in the file
        b = np.array([1.0, 2.0, 3.0])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "memo.db")
            sia.memo_open(path)
            sia.cold_train(a, b, model_id=70)
            sia.cold_train(keys(self.rng, 30, 4), np.arange(30.0), model_id=71)
            sia.memo_checkpoint()
            sia.memo_close()
            sia.memo_clear()
            before = sia.memo_stats()["corrupt"]
            self.assertEqual(sia.memo_open(path), 2)  # intact: both load
            sia.memo_close()
            self.assertEqual(sia.memo_stats()["corrupt"], before)
            sia.memo_clear()
            with open(path, "rb") as f:
                data = bytearray(f.read())
            hits = [i for v in (13.0, -13.0) for i in [data.find(struct.pack("<d", v))] if i >= 0]
            self.assertTrue(hits, "R(1,1) = +-13 not found in the durable file")
            data[hits[0] + 2] ^= 0x10
            with open(path, "wb") as f:
                f.write(data)
            self.assertEqual(sia.memo_open(path), 1)  # the other model still loads
            sia.memo_close()
            self.assertEqual(sia.memo_stats()["corrupt"], before + 1)
            with self.assertRaises(sia.SiaError) as cm:
                sia.incre_train(a[:1], b[:1], model_id=70)
            self.assertEqual(cm.exception.code, sia.ENOMEMO)
            sia.incre_train(keys(self.rng, 2, 4), [1.0, 2.0], model_id=71)



class TestConvention(unittest.TestCase):
    """Every training call: arrays first (positional), the model ID and
    options keyword-only; every public function documented and typed."""

    TRAINING = ("cold_train", "incre_train", "decre_train", "incre_train_shifted", "train_batch")

    def test_signatures(self):
        for name in self.TRAINING:
            params = list(inspect.signature(getattr(sia, name)).parameters.values())
            positional = [p for p in params if p.kind == p.POSITIONAL_OR_KEYWORD]
            keyword = [p for p in params if p.kind == p.KEYWORD_ONLY]
            self.assertEqual(len(positional) + len(keyword), len(params), name)
            for p in positional:
                self.assertTrue(p.name.startswith(("a", "b", "jobs")), (name, p.name))
            names = [p.name for p in keyword]
            if name != "train_batch":
                self.assertIn("model_id", names, name)
            self.assertIn("rcond", names, name)
        for name in sia.__all__:
            obj = getattr(sia, name)
            if callable(obj) and not isinstance(obj, type):
                self.assertTrue(obj.__doc__, name)
                self.assertIsNot(inspect.signature(obj).return_annotation, inspect.Signature.empty, name)

    def test_old_orders_fail_clearly(self):
        rng = np.random.default_rng(3)
        a, b = keys(rng, 20, 4), np.arange(20.0)
        sia.cold_train(a, b, model_id=31)
        with self.assertRaises(TypeError):
            sia.incre_train(31, a[:2], b[:2])  # the old order
        with self.assertRaises(TypeError):
            sia.incre_train(a[:2], b[:2])      # the model ID is required
        with self.assertRaises(TypeError):
            sia.incre_train(a[:2], b[:2], model_id=31.0)
        with self.assertRaises(sia.SiaError) as cm:
            sia.cold_train(42, a)              # an ID where the rows belong
        self.assertEqual(cm.exception.code, -6)
        self.assertIn("model_id=", cm.exception.message)
        with self.assertRaises(sia.SiaError) as cm:
            sia.cold_train(a[0], b[:1])        # 1-D rows are ambiguous
        self.assertEqual(cm.exception.code, -6)
        with self.assertRaises(sia.SiaError) as cm:
            sia.cold_train(a, b[:19])          # targets must match the rows
        self.assertEqual(cm.exception.code, -8)
        with self.assertRaises(sia.SiaError) as cm:
            sia.cold_train(a, b, trans="X")
        self.assertEqual(cm.exception.code, -2)
        with self.assertRaises(TypeError):
            sia.train_batch([(31, a[:2], b[:2])])  # triples are (a, b, model_id)


class TestRcond(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(11)
        self.d = keys(rng, 200, 6)
        self.d[:, 2] = 0  # a zero column: rank 5, R(3,3) exactly 0
        self.b = rng.normal(size=200)

    def test_per_call_rcond_leaves_the_setting(self):
        self.assertEqual(sia.get_rcond(), -1.0)
        with self.assertRaises(sia.SiaError) as cm:
            sia.cold_train(self.d, self.b)
        self.assertGreater(cm.exception.code, 0)  # dgels: R(i,i) == 0
        x = sia.cold_train(self.d, self.b, model_id=40, rcond=1e-10)
        self.assertEqual(sia.last_rank(), 5)
        ref = np.linalg.lstsq(self.d, self.b, rcond=1e-10)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-8)
        self.assertEqual(sia.get_rcond(), -1.0)
        with self.assertRaises(sia.SiaError):
            sia.cold_train(self.d, self.b)  # still dgels mode
        sia.set_rcond(1e-10)
        try:
            sia.cold_train(self.d, self.b)
            with self.assertRaises(sia.SiaError):
                sia.cold_train(self.d, self.b, rcond=-1)
        finally:
            sia.set_rcond(-1)
        with self.assertRaises(ValueError):
            sia.cold_train(self.d, self.b, rcond=float("nan"))

    def test_concurrent_calls_with_different_rcond(self):
        # rcond is process-wide in C; each Python call must still get its own.
        ref = np.linalg.lstsq(self.d, self.b, rcond=1e-10)[0]
        big = keys(np.random.default_rng(12), 20000, 6)
        big[:, 2] = 0
        bigb = np.arange(20000.0)
        bigref = np.linalg.lstsq(big, bigb, rcond=1e-10)[0]
        errors = []

        def revealing():
            for _ in range(30):
                try:
                    x = sia.cold_train(big, bigb, rcond=1e-10)
                    if np.linalg.norm(x - bigref) > 1e-6 * np.linalg.norm(bigref):
                        errors.append("wrong solution")
                except sia.SiaError as e:
                    errors.append("rank-revealing call failed: %s" % e)

        def dgels():
            for _ in range(300):
                try:
                    sia.cold_train(self.d, self.b)
                    errors.append("dgels-mode call succeeded on rank-deficient rows")
                except sia.SiaError as e:
                    if e.code <= 0:
                        errors.append("unexpected %s" % e)
            x = sia.cold_train(self.d, self.b, rcond=1e-10)
            if np.linalg.norm(x - ref) > 1e-8 * np.linalg.norm(ref):
                errors.append("wrong solution")

        threads = [threading.Thread(target=f) for f in (revealing, dgels, revealing, dgels)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])


class TestLoading(unittest.TestCase):
    def run_python(self, code, env_update):
        env = dict(os.environ)
        env.update(env_update)
        env = {k: v for k, v in env.items() if v is not None}
        here = os.path.dirname(os.path.abspath(sia.__file__))
        return subprocess.run([sys.executable, "-c", code], env=env, cwd=os.path.dirname(here),
                              capture_output=True, text=True)

    def test_sia_library_overrides(self):
        r = self.run_python("import sia", {"SIA_LIBRARY": "/nonexistent/libsia.so"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SIA_LIBRARY=/nonexistent/libsia.so", r.stderr)
        path = sia.library_path()
        r = self.run_python("import sia; print(sia.library_path())", {"SIA_LIBRARY": path})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), path)

    @unittest.skipUnless(os.environ.get("SIA_EXPECT_BUNDLED") == "1", "set by make pyinstall-test")
    def test_bundled_library_is_used(self):
        # An installed package loads the libsia.so it carries, not a system one.
        self.assertNotIn("SIA_LIBRARY", os.environ)
        pkg = os.path.dirname(os.path.abspath(sia.__file__))
        self.assertIn("-packages", pkg)
        self.assertEqual(sia.library_path(), os.path.join(pkg, "libsia.so"))
        self.assertEqual(sia.library_version(), sia.__version__)


if __name__ == "__main__":
    unittest.main()
