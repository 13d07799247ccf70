"""Tests of the Python binding against numpy.linalg.lstsq (unittest)."""
import os
import tempfile
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
        x = sia.cold_train(at, self.rng.normal(size=5), trans="T")
        self.assertEqual(x.shape, (9,))

    def test_incremental_equals_refit_and_plain_sequences(self):
        a = keys(self.rng, 400, 9)
        b = np.arange(400.0)
        sia.cold_train(a[:200], b[:200], model_id=5)
        for lo in range(200, 400, 50):
            x = sia.incre_train(5, a[lo:lo + 50], b[lo:lo + 50])
            ref = np.linalg.lstsq(a[:lo + 50], b[:lo + 50], rcond=None)[0]
            self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-10)
        # Plain nested lists work too.
        x = sia.incre_train(5, [list(a[0])], [b[0]])
        ref = np.linalg.lstsq(np.vstack([a, a[:1]]), np.append(b, b[0]), rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-10)

    def test_inputs_not_modified(self):
        a = keys(self.rng, 100, 5)
        b = self.rng.normal(size=100)
        a0, b0 = a.copy(), b.copy()
        sia.cold_train(a, b, model_id=3)
        sia.incre_train(3, a[:10], b[:10])
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)

    def test_errors(self):
        with self.assertRaises(sia.SiaError) as cm:
            sia.incre_train(12345, keys(self.rng, 3, 4), [1, 2, 3])
        self.assertEqual(cm.exception.code, sia.ENOMEMO)
        self.assertIn("no memo", cm.exception.message)
        a = keys(self.rng, 20, 4)
        a[3, 1] = np.nan
        with self.assertRaises(sia.SiaError) as cm:
            sia.cold_train(a, np.zeros(20))
        self.assertEqual(cm.exception.code, -6)
        sia.cold_train(keys(self.rng, 20, 4), np.zeros(20), model_id=2)
        with self.assertRaises(sia.SiaError) as cm:
            sia.incre_train(2, keys(self.rng, 3, 5), [1, 2, 3])
        self.assertEqual(cm.exception.code, -4)

    def test_semantics(self):
        a = keys(self.rng, 300, 6)
        b = np.arange(300.0)
        sia.cold_train(a, b, model_id=7)
        x = sia.decre_train(7, a[:40], b[:40])
        ref = np.linalg.lstsq(a[40:], b[40:], rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-9)
        # Shifted targets: every position moves.
        sia.cold_train(a[:250], b[:250], model_id=8)
        now = b + 0.5 * (b % 3)
        x = sia.incre_train_shifted(8, a[250:], a, now)
        ref = np.linalg.lstsq(a, now, rcond=None)[0]
        self.assertLess(np.linalg.norm(x - ref) / np.linalg.norm(ref), 1e-9)
        # Merge and rank-deficient mode.
        sia.cold_train(a[:150], b[:150], model_id=9)
        sia.cold_train(a[150:], b[150:], model_id=10)
        sia.memo_merge(11, 9, 10)
        x = sia.incre_train(11, a[:1], b[:1])
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
        out = sia.train_batch([(20, a[100:], b[100:]), (999, a[:2], b[:2])])
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


if __name__ == "__main__":
    unittest.main()
