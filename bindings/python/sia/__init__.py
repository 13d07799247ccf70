"""libsia for Python, through ctypes.

libsia is a drop-in for LAPACK's least-squares driver dgels when training
the linear models of learned indexes; it keeps each model's R factor (its
"memo", under a model ID) so a retrain costs the new rows only. This module
wraps the C API of include/sia.h, the reference for every argument and code.

One calling convention for every function
-----------------------------------------
Arrays come first and positionally, in the C API's order (the rows ``a``,
then the targets ``b``); the model ID and every option are keyword-only::

    x = sia.cold_train(a, b, model_id=42)           # memoize model 42
    x = sia.incre_train(a_new, b_new, model_id=42)   # only the new rows are factored
    x = sia.decre_train(a_old, b_old, model_id=42)   # exact deletes
    x = sia.incre_train_shifted(a_new, a_all, b_all, model_id=42)
    out = sia.train_batch([(a_new, b_new, 42), (a2, b2, 43)])

Functions that take no arrays take their model IDs as plain arguments
(``memo_drop(42)``, ``memo_merge(7, 5, 6)``). For people who think in
models there is :class:`LinearRegression` (scikit-learn's estimator, plus
``partial_fit``, ``remove`` and ``refit_targets``; ``LinearModel`` is the
same class), and for numpy's users :func:`lstsq`.

Matrices are 2-D numpy arrays (C order is passed as row-major, Fortran order
as column-major, without copying where the library does not write them) or
nested sequences (converted with ``numpy.asarray``). Targets may be 1-D (one
right-hand side; the result is then 1-D) or 2-D. Every failure -- a code
from libsia, or an argument the C API would reject, detected here first --
raises :class:`SiaError` carrying the C code.

The library is loaded from ``$SIA_LIBRARY`` when set, else the ``libsia.so``
bundled in this package (``pip install`` builds it), else the system loader.
"""

import contextlib
import ctypes
import ctypes.util
import math
import numbers
import os
import threading
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as _np

__version__ = "0.3.0"
__all__ = [
    "SiaError", "LinearRegression", "LinearModel", "NotFittedError", "lstsq", "cold_train", "incre_train", "decre_train", "incre_train_shifted",
    "train_batch", "memo_drop", "memo_clear", "memo_count", "memo_merge", "memo_stats", "memo_set_limit",
    "memo_open", "memo_checkpoint", "memo_close", "set_rcond", "get_rcond", "last_rank", "set_threads",
    "device_select", "device_describe", "library_path", "library_version", "ROW_MAJOR", "COL_MAJOR",
    "ENOMEMO", "EINTERNAL", "ETOOBIG", "ECOLD", "ENODEVICE", "EIO", "ENOTOPEN",
]

ArrayLike = Union[_np.ndarray, Sequence[Any]]

ROW_MAJOR, COL_MAJOR = 101, 102
ENOMEMO, EINTERNAL, ETOOBIG, ECOLD, ENODEVICE, EIO, ENOTOPEN = -1001, -1002, -1003, -1004, -1005, -1006, -1007
# The C API's argument numbers (LAPACKE_dgels's order), used for the codes of
# arguments rejected before the call.
_ARG_TRANS, _ARG_A, _ARG_B = -2, -6, -8


class SiaError(ValueError):
    """A libsia call failed (a ValueError: bad input, or a refusal such as
    ECOLD or ENOMEMO).

    Attributes:
        op: the function that failed (e.g. ``"incre_train"``).
        code: the C API's result code: ``-i`` for an illegal argument i
            (LAPACKE_dgels numbering: a is 6, b is 8), ``i > 0`` when R(i,i)
            is exactly zero (rank-deficient rows in dgels mode), or one of
            libsia's own codes (:data:`ENOMEMO`, :data:`ECOLD`, ...).
        message: ``sia_strerror(code)``, or a more precise text for
            arguments this module rejected itself.
    """

    def __init__(self, op: str, code: int, message: Optional[str] = None):
        self.op, self.code = op, int(code)
        self.message = message if message is not None else _lib.sia_strerror(self.code).decode()
        super().__init__("%s: %s (%d)" % (op, self.message, self.code))


def _load() -> Tuple[ctypes.CDLL, str]:
    here = os.path.dirname(os.path.abspath(__file__))
    env = os.environ.get("SIA_LIBRARY")
    if env:  # an explicit choice: no silent fallback
        try:
            return ctypes.CDLL(env), env
        except OSError as e:
            raise ImportError("SIA_LIBRARY=%s cannot be loaded: %s" % (env, e)) from e
    candidates = [os.path.join(here, "libsia.so"), ctypes.util.find_library("sia"), "libsia.so.0", "libsia.so"]
    errors = []
    for path in candidates:
        if not path:
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append("%s: %s" % (path, e))
    raise ImportError("libsia not found (install with pip from bindings/python, or set SIA_LIBRARY):\n  "
                      + "\n  ".join(errors))


_lib, _lib_path = _load()
_D = ctypes.POINTER(ctypes.c_double)
_I64, _INT, _CHAR = ctypes.c_int64, ctypes.c_int, ctypes.c_char


class _Job(ctypes.Structure):
    _fields_ = [("model_id", _I64), ("matrix_layout", _INT), ("m", _INT), ("n", _INT), ("nrhs", _INT),
                ("a", _D), ("lda", _INT), ("b", _D), ("ldb", _INT), ("info", _INT)]


class _Stats(ctypes.Structure):
    _fields_ = [(f, _I64) for f in ("models", "bytes", "limit", "hits", "misses", "evictions", "corrupt")]


def _sig(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype, f.argtypes = restype, list(argtypes)


_GELS = (_I64, _INT, _CHAR, _INT, _INT, _INT, _D, _INT, _D, _INT)
for _name in ("cold_train", "incre_train", "decre_train"):
    _sig(_name, _INT, *_GELS)
_sig("incre_train_shifted", _INT, _I64, _INT, _INT, _INT, _INT, _D, _INT, _INT, _D, _INT, _D, _INT)
_sig("sia_train_batch", _INT, ctypes.POINTER(_Job), _INT)
_sig("sia_memo_drop", _INT, _I64)
_sig("sia_memo_clear", None)
_sig("sia_memo_count", _I64)
_sig("sia_memo_merge", _INT, _I64, _I64, _I64)
_sig("sia_memo_set_limit", None, _I64)
_sig("sia_memo_stats", _INT, ctypes.POINTER(_Stats))
_sig("sia_memo_open", _INT, ctypes.c_char_p)
_sig("sia_memo_checkpoint", _INT)
_sig("sia_memo_close", _INT)
_sig("sia_set_rcond", None, ctypes.c_double)
_sig("sia_last_rank", _INT)
_sig("sia_set_threads", None, _INT)
_sig("sia_device_select", _INT, ctypes.c_char_p)
_sig("sia_device_describe", _INT, ctypes.c_char_p, _INT)
_sig("sia_strerror", ctypes.c_char_p, _INT)
_sig("sia_version", ctypes.c_char_p)
_sig("sia_version_number", _INT)

_major, _minor, _patch = (int(p) for p in __version__.split("."))
if _lib.sia_version_number() != _major * 10000 + _minor * 100 + _patch:
    raise ImportError("libsia %s at %s does not match the Python package %s"
                      % (_lib.sia_version().decode(), _lib_path, __version__))


# ---- rcond: process-wide in C, per call here --------------------------------

class _RcondGate:
    """Lets each call choose its rcond although sia_set_rcond is process-wide:
    calls with the same rcond run concurrently (ctypes releases the GIL); a
    call with another rcond waits until those in flight have returned, sets
    it, and runs."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._default = -1.0   # chosen by set_rcond(); -1: dgels mode
        self._current = None   # what the library was last set to by us
        self._inflight = 0

    @staticmethod
    def normalize(rcond: float) -> float:
        r = float(rcond)
        if math.isnan(r):
            raise ValueError("rcond must not be NaN")
        return -1.0 if r < 0 else r

    def set_default(self, rcond: float) -> None:
        r = self.normalize(rcond)
        with self._cv:
            self._default = r

    def default(self) -> float:
        with self._cv:
            return self._default

    @contextlib.contextmanager
    def use(self, rcond: Optional[float]):
        with self._cv:
            r = self._default if rcond is None else self.normalize(rcond)
            while self._inflight and self._current != r:
                self._cv.wait()
            if self._current != r:
                _lib.sia_set_rcond(r)
                self._current = r
            self._inflight += 1
        try:
            yield
        finally:
            with self._cv:
                self._inflight -= 1
                if not self._inflight:
                    self._cv.notify_all()


_gate = _RcondGate()


# ---- argument conversion -----------------------------------------------------

def _model_id(op: str, model_id: Any, required: bool) -> int:
    if model_id is None:
        if required:
            raise TypeError("%s: model_id is required (a memoized model's ID, an int >= 0)" % op)
        return -1
    if isinstance(model_id, bool) or not isinstance(model_id, numbers.Integral):
        raise TypeError("%s: model_id must be an int, not %s (arrays come first, the model ID is the "
                        "keyword model_id=...)" % (op, type(model_id).__name__))
    v = int(model_id)
    if not -(1 << 63) <= v < (1 << 63):
        raise OverflowError("%s: model_id %d does not fit in int64" % (op, v))
    return v


def _matrix(op: str, x: ArrayLike, name: str = "a", copy: bool = False):
    """(array, layout, ld) for a matrix argument: C order is passed as
    row-major, Fortran order as column-major, without copying (unless copy);
    anything else becomes one C-order float64 copy."""
    try:
        arr = _np.asarray(x, dtype=_np.float64)
    except (TypeError, ValueError) as e:
        raise SiaError(op, _ARG_A, "%s is not a numeric matrix: %s" % (name, e)) from e
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 0:
            hint = " (arrays come first; pass the model ID as model_id=...)"
        elif arr.ndim == 1:
            hint = " (one row: reshape(1, -1); one column: reshape(-1, 1))"
        raise SiaError(op, _ARG_A, "%s must be a 2-D matrix, got %d-D%s" % (name, arr.ndim, hint))
    if arr.flags.c_contiguous:
        layout = ROW_MAJOR
    elif arr.flags.f_contiguous:
        layout = COL_MAJOR
    else:
        arr, layout = _np.ascontiguousarray(arr), ROW_MAJOR
    if copy:
        arr = arr.copy(order="C" if layout == ROW_MAJOR else "F")
    ld = max(arr.shape[1] if layout == ROW_MAJOR else arr.shape[0], 1)
    return arr, layout, ld


def _targets(op: str, b: ArrayLike, want_rows: int, room: int, layout: int):
    """A fresh, writable array holding the targets in its first want_rows rows
    and max(want_rows, room) rows in all (dgels's shape of b), in layout:
    (array, ld, was_vector)."""
    try:
        src = _np.asarray(b, dtype=_np.float64)
    except (TypeError, ValueError) as e:
        raise SiaError(op, _ARG_B, "b is not numeric: %s" % e) from e
    vector = src.ndim == 1
    if vector:
        src = src.reshape(-1, 1)
    if src.ndim != 2:
        raise SiaError(op, _ARG_B, "b must be 1-D (one target per row) or 2-D, got %d-D" % src.ndim)
    if src.shape[0] != want_rows:
        raise SiaError(op, _ARG_B, "b has %d rows, the matrix needs %d" % (src.shape[0], want_rows))
    out = _np.zeros((max(want_rows, room), src.shape[1]), order="C" if layout == ROW_MAJOR else "F")
    out[:want_rows] = src
    ld = max(out.shape[1] if layout == ROW_MAJOR else out.shape[0], 1)
    return out, ld, vector


def _ptr(arr: _np.ndarray):
    return arr.ctypes.data_as(_D)


def _check(op: str, rc: int) -> None:
    if rc != 0:
        raise SiaError(op, rc)


def _result(x: _np.ndarray, vector: bool) -> _np.ndarray:
    return x[:, 0].copy() if vector else _np.ascontiguousarray(x)


def _gels(op, fn, model_id, a, b, trans, rcond, copy_a):
    if trans not in ("N", "n", "T", "t"):
        raise SiaError(op, _ARG_TRANS, "trans must be 'N' or 'T', not %r" % (trans,))
    A, layout, lda = _matrix(op, a, copy=copy_a)
    m, n = A.shape
    notrans = trans in ("N", "n")
    B, ldb, vector = _targets(op, b, m if notrans else n, max(m, n), layout)
    with _gate.use(rcond):
        _check(op, fn(model_id, layout, trans.encode(), m, n, B.shape[1], _ptr(A), lda, _ptr(B), ldb))
    return _result(B[: (n if notrans else m)], vector)


# ---- training ----------------------------------------------------------------

def cold_train(a: ArrayLike, b: ArrayLike, *, model_id: Optional[int] = None, trans: str = "N",
               rcond: Optional[float] = None) -> _np.ndarray:
    """Solve the least-squares problem exactly as LAPACK's dgels and, for a
    model ID, memoize the model.

    Args:
        a: the m x n rows (copied: dgels overwrites its matrix).
        b: the targets, m values (1-D) or m x nrhs; n rows for trans 'T'.
        model_id: memoize the model's R factor under this ID (replacing any
            earlier memo of it) when trans is 'N' and m >= n; None or a
            negative ID: a pure dgels, nothing memoized.
        trans: 'N' solves min ||a x - b||; 'T' solves with a's transpose.
        rcond: None: the process setting (:func:`set_rcond`); a negative
            value: dgels mode (rank-deficient rows raise SiaError with
            code i > 0); >= 0: dgelss's minimum-norm solution for that rcond.

    Returns:
        x: n values (or n x nrhs); m for trans 'T'.

    Raises:
        SiaError: an illegal argument (code -i) or rank deficiency (i > 0).
    """
    mid = _model_id("cold_train", model_id, required=False)
    return _gels("cold_train", _lib.cold_train, mid, a, b, trans, rcond, copy_a=True)


def incre_train(a_new: ArrayLike, b_new: ArrayLike, *, model_id: int,
                rcond: Optional[float] = None) -> _np.ndarray:
    """Absorb new rows into a memoized model: O(k n^2) for k new rows.

    Args:
        a_new: the k new rows (k >= 1), n columns as the memo; not modified
            and not copied when a contiguous float64 array.
        b_new: their targets (k values or k x nrhs, nrhs as the memo).
        model_id: the memoized model (from :func:`cold_train`).
        rcond: as in :func:`cold_train`.

    Returns:
        x: the solution for every row absorbed so far, as a cold fit on all
        of them would give.

    Raises:
        SiaError: ENOMEMO if the model has no memo (cold-train it), -4/-5
            if n or nrhs differ from the memo's; the memo is then unchanged.
    """
    mid = _model_id("incre_train", model_id, required=True)
    return _gels("incre_train", _lib.incre_train, mid, a_new, b_new, "N", rcond, copy_a=False)


def decre_train(a_old: ArrayLike, b_old: ArrayLike, *, model_id: int,
                rcond: Optional[float] = None) -> _np.ndarray:
    """Remove earlier-absorbed rows (with their targets) from a memoized
    model exactly, and re-solve.

    Raises:
        SiaError: ECOLD when the downdate would lose accuracy or rank, or
            fewer than n rows would remain (the memo is unchanged:
            cold-train the remaining rows instead); ENOMEMO.
    """
    mid = _model_id("decre_train", model_id, required=True)
    return _gels("decre_train", _lib.decre_train, mid, a_old, b_old, "N", rcond, copy_a=False)


def incre_train_shifted(a_new: ArrayLike, a_all: ArrayLike, b_all: ArrayLike, *, model_id: int,
                        rcond: Optional[float] = None) -> _np.ndarray:
    """Absorb new rows, then solve against all current rows with their
    current targets (positions that moved, SIndex-style), using the memoized
    R: O(k n^2 + m n), no re-factoring.

    Args:
        a_new: the k new rows (also contained in a_all).
        a_all: all m current rows.
        b_all: their current targets.
        model_id: the memoized model.
    """
    op = "incre_train_shifted"
    mid = _model_id(op, model_id, required=True)
    A, layout, lda = _matrix(op, a_all, name="a_all")
    m, n = A.shape
    N = _np.asarray(a_new, dtype=_np.float64)
    if N.ndim != 2 or N.shape[1] != n:
        raise SiaError(op, _ARG_A, "a_new must be a 2-D matrix with %d columns, got shape %s" % (n, N.shape))
    N = _np.asarray(N, order="C" if layout == ROW_MAJOR else "F")
    ldn = max(N.shape[1] if layout == ROW_MAJOR else N.shape[0], 1)
    B, ldb, vector = _targets(op, b_all, m, max(m, n), layout)
    with _gate.use(rcond):
        _check(op, _lib.incre_train_shifted(mid, layout, N.shape[0], n, B.shape[1], _ptr(N), ldn,
                                            m, _ptr(A), lda, _ptr(B), ldb))
    return _result(B[:n], vector)


def train_batch(jobs: Iterable[Tuple[ArrayLike, ArrayLike, int]], *,
                rcond: Optional[float] = None) -> List[Tuple[int, Optional[_np.ndarray]]]:
    """Incremental training of many models in one call (one retraining pass).

    Args:
        jobs: ``(a_new, b_new, model_id)`` triples -- arrays first, as in
            every call; each is exactly ``incre_train(a_new, b_new,
            model_id=model_id)``.

    Returns:
        one ``(code, x)`` per job: code 0 and the solution, or the job's
        non-zero code and None (a failing job changes nothing and does not
        affect the others).
    """
    op = "train_batch"
    jobs = list(jobs)
    keep, arr = [], (_Job * max(len(jobs), 1))()
    for i, job in enumerate(jobs):
        try:
            a, b, mid = job
        except (TypeError, ValueError):
            raise TypeError("train_batch: job %d must be an (a_new, b_new, model_id) triple" % i) from None
        mid = _model_id(op, mid, required=True)
        A, layout, lda = _matrix(op, a)
        B, ldb, vector = _targets(op, b, A.shape[0], max(A.shape), layout)
        keep.append((A, B, vector))
        arr[i] = _Job(mid, layout, A.shape[0], A.shape[1], B.shape[1], _ptr(A), lda, _ptr(B), ldb, 0)
    with _gate.use(rcond):
        rc = _lib.sia_train_batch(arr, len(jobs))
    if rc < 0:
        raise SiaError(op, rc)
    return [(arr[i].info, _result(B[: A.shape[1]], vector) if arr[i].info == 0 else None)
            for i, (A, B, vector) in enumerate(keep)]


# ---- memo store and options --------------------------------------------------

def memo_drop(model_id: int) -> bool:
    """Forget a model's memo; returns whether it had one."""
    return _lib.sia_memo_drop(_model_id("memo_drop", model_id, required=True)) == 0


def memo_clear() -> None:
    """Forget every memo."""
    _lib.sia_memo_clear()


def memo_count() -> int:
    """The number of memoized models."""
    return int(_lib.sia_memo_count())


def memo_merge(dst: int, first: int, second: int) -> None:
    """Memoize under ``dst`` the union of the rows of models ``first`` and
    ``second`` (a node merge), from their factors alone; dst may be one of
    them."""
    ids = [_model_id("memo_merge", v, required=True) for v in (dst, first, second)]
    _check("memo_merge", _lib.sia_memo_merge(*ids))


def memo_set_limit(nbytes: int) -> None:
    """Bound the memo store (LRU eviction beyond nbytes; <= 0: unbounded)."""
    _lib.sia_memo_set_limit(int(nbytes))


def memo_stats() -> Dict[str, int]:
    """The store's counters: models, bytes, limit, hits, misses, evictions,
    corrupt."""
    st = _Stats()
    _check("memo_stats", _lib.sia_memo_stats(ctypes.byref(st)))
    return {f: int(getattr(st, f)) for f, _ in _Stats._fields_}


def memo_open(path: Union[str, "os.PathLike[str]"]) -> int:
    """Open (or create) the durable memo file and load it; returns the number
    of models loaded."""
    rc = _lib.sia_memo_open(os.fsencode(path))
    if rc < 0:
        raise SiaError("memo_open", rc)
    return int(rc)


def memo_checkpoint() -> int:
    """Write the models changed since the last checkpoint; returns the number
    of records written or deleted."""
    rc = _lib.sia_memo_checkpoint()
    if rc < 0:
        raise SiaError("memo_checkpoint", rc)
    return int(rc)


def memo_close() -> None:
    """Checkpoint and close the durable memo (the memos stay in memory)."""
    _check("memo_close", _lib.sia_memo_close())


def set_rcond(rcond: float) -> None:
    """The rcond of calls that pass none: negative (the default) is dgels
    mode, >= 0 the rank-revealing mode (dgelss's minimum-norm solution)."""
    _gate.set_default(rcond)


def get_rcond() -> float:
    """The rcond set by :func:`set_rcond` (-1.0: dgels mode)."""
    return _gate.default()


def last_rank() -> int:
    """The effective rank found by this thread's last training call (-1
    after a failed call)."""
    return int(_lib.sia_last_rank())


def set_threads(n: int) -> None:
    """The number of CPU worker threads training uses (default 1)."""
    _lib.sia_set_threads(int(n))


def device_select(spec: str) -> None:
    """Choose the training engine: "auto", "cpu", "opencl" or
    "opencl:<platform>:<device>"."""
    _check("device_select", _lib.sia_device_select(spec.encode()))


def device_describe() -> str:
    """A human-readable report of the engines and devices."""
    n = _lib.sia_device_describe(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    _lib.sia_device_describe(buf, n + 1)
    return buf.value.decode()


def library_path() -> str:
    """The path libsia.so was loaded from."""
    return _lib_path


def library_version() -> str:
    """The loaded library's version string."""
    return _lib.sia_version().decode()


# ---- estimator and numpy-shaped solver ---------------------------------------

from ._estimator import LinearRegression, LinearModel, NotFittedError  # noqa: E402
from ._linalg import lstsq  # noqa: E402
