"""libsia for Python, through ctypes.

libsia is a drop-in for LAPACK's least-squares driver dgels when training
the linear models of learned indexes; it keeps each model's R factor so a
retrain costs the new rows only. This module wraps the C API of
include/sia.h (the reference for every argument and code):

* cold_train(a, b, model_id=-1, trans="N") -> x
* incre_train(model_id, a_new, b_new) -> x
* decre_train(model_id, a_old, b_old) -> x
* incre_train_shifted(model_id, a_new, a_all, b_all) -> x
* train_batch([(model_id, a_new, b_new), ...]) -> [(code, x or None), ...]
* memo_drop, memo_clear, memo_count, memo_merge, memo_stats, memo_set_limit,
  memo_open, memo_checkpoint, memo_close
* set_rcond, last_rank, set_threads, device_select, device_describe

Matrices are numpy arrays (2-D; C order is passed as row-major, Fortran
order as column-major, without copying where the library does not write
them) or plain nested sequences (converted with numpy.asarray). Targets may
be 1-D (one right-hand side; the result is then 1-D) or 2-D. Failures raise
SiaError.
"""

import ctypes
import ctypes.util
import os

__version__ = "0.1.0"
__all__ = [
    "SiaError", "cold_train", "incre_train", "decre_train", "incre_train_shifted", "train_batch",
    "memo_drop", "memo_clear", "memo_count", "memo_merge", "memo_stats", "memo_set_limit",
    "memo_open", "memo_checkpoint", "memo_close", "set_rcond", "last_rank", "set_threads",
    "device_select", "device_describe", "ROW_MAJOR", "COL_MAJOR", "ENOMEMO", "ECOLD",
]

import numpy as _np

ROW_MAJOR, COL_MAJOR = 101, 102
ENOMEMO, EINTERNAL, ETOOBIG, ECOLD, ENODEVICE, EIO, ENOTOPEN = -1001, -1002, -1003, -1004, -1005, -1006, -1007


class SiaError(Exception):
    """A libsia call failed: .code is the result code, .message its text."""

    def __init__(self, op, code):
        self.op, self.code = op, code
        self.message = _lib.sia_strerror(code).decode()
        super().__init__("%s: %s (%d)" % (op, self.message, code))


def _load():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    if os.environ.get("SIA_LIBRARY"):
        candidates.append(os.environ["SIA_LIBRARY"])
    candidates += [os.path.join(here, "libsia.so"), ctypes.util.find_library("sia"), "libsia.so.0", "libsia.so"]
    errors = []
    for path in candidates:
        if not path:
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append("%s: %s" % (path, e))
    raise ImportError("libsia not found (set SIA_LIBRARY):\n  " + "\n  ".join(errors))


_lib = _load()
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
_sig("sia_version_number", _INT)

_major, _minor, _patch = (int(p) for p in __version__.split("."))
if _lib.sia_version_number() != _major * 10000 + _minor * 100 + _patch:
    raise ImportError("libsia version %d does not match the Python package %s" % (_lib.sia_version_number(), __version__))


def _matrix(x, copy=False):
    """(array, layout, ld, was_vector) for a matrix argument: a numpy array in
    C order is passed as row-major and in Fortran order as column-major,
    without copying (unless copy); anything else becomes one C-order copy."""
    arr = _np.asarray(x, dtype=_np.float64)
    vector = arr.ndim == 1
    if vector:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError("a matrix must be 1-D or 2-D")
    if arr.flags.c_contiguous:
        layout = ROW_MAJOR
    elif arr.flags.f_contiguous:
        layout = COL_MAJOR
    else:
        arr, layout = _np.ascontiguousarray(arr), ROW_MAJOR
    if copy:
        arr = arr.copy(order="C" if layout == ROW_MAJOR else "F")
    ld = max(arr.shape[1] if layout == ROW_MAJOR else arr.shape[0], 1)
    return arr, layout, ld, vector


def _targets(b, rows, layout):
    """A fresh, writable array with the targets and max(m, n) rows (dgels's
    shape of b), in layout: (array, ld, was_vector)."""
    src = _np.asarray(b, dtype=_np.float64)
    vector = src.ndim == 1
    if vector:
        src = src.reshape(-1, 1)
    out = _np.zeros((max(rows, src.shape[0]), src.shape[1]), order="C" if layout == ROW_MAJOR else "F")
    out[: src.shape[0]] = src
    ld = max(out.shape[1] if layout == ROW_MAJOR else out.shape[0], 1)
    return out, ld, vector


def _ptr(arr):
    return arr.ctypes.data_as(_D)


def _check(op, rc):
    if rc != 0:
        raise SiaError(op, rc)


def _gels(op, fn, model_id, a, b, trans="N", copy_a=False):
    A, layout, lda, _ = _matrix(a, copy=copy_a)
    m, n = A.shape
    B, ldb, vector = _targets(b, max(m, n), layout)
    _check(op, fn(model_id, layout, trans.encode(), m, n, B.shape[1], _ptr(A), lda, _ptr(B), ldb))
    x = B[: (n if trans in ("N", "n") else m)]
    return x[:, 0].copy() if vector else _np.ascontiguousarray(x)


def cold_train(a, b, model_id=-1, trans="N"):
    """Solve min ||a x - b|| (or the other dgels cases) and, for trans 'N'
    with m >= n and model_id >= 0, memoize the model. a is copied (dgels may
    overwrite it); returns x."""
    return _gels("cold_train", _lib.cold_train, model_id, a, b, trans, copy_a=True)


def incre_train(model_id, a_new, b_new):
    """Absorb new rows into the model's memo; returns the solution for all
    rows. a_new is passed without copying when it is a contiguous float64
    numpy array."""
    return _gels("incre_train", _lib.incre_train, model_id, a_new, b_new)


def decre_train(model_id, a_old, b_old):
    """Remove earlier rows (exact deletes); raises SiaError(ECOLD) when the
    downdate would lose accuracy."""
    return _gels("decre_train", _lib.decre_train, model_id, a_old, b_old)


def incre_train_shifted(model_id, a_new, a_all, b_all):
    """Absorb a_new and solve against all current rows a_all with their
    current targets b_all (positions that moved)."""
    A, layout, lda, _ = _matrix(a_all)
    N = _np.asarray(a_new, dtype=_np.float64).reshape(-1, A.shape[1])
    N = N.copy(order="C" if layout == ROW_MAJOR else "F") if not (
        N.flags.c_contiguous if layout == ROW_MAJOR else N.flags.f_contiguous) else N
    ldn = max(N.shape[1] if layout == ROW_MAJOR else N.shape[0], 1)
    m, n = A.shape
    B, ldb, vector = _targets(b_all, max(m, n), layout)
    _check("incre_train_shifted", _lib.incre_train_shifted(model_id, layout, N.shape[0], n, B.shape[1], _ptr(N), ldn,
                                                           m, _ptr(A), lda, _ptr(B), ldb))
    x = B[:n]
    return x[:, 0].copy() if vector else _np.ascontiguousarray(x)


def train_batch(jobs):
    """jobs: [(model_id, a_new, b_new), ...]. Returns [(code, x or None)]:
    one retraining pass over many models in one call."""
    keep, arr = [], (_Job * max(len(jobs), 1))()
    for i, (mid, a, b) in enumerate(jobs):
        A, layout, lda, _ = _matrix(a)
        B, ldb, vector = _targets(b, max(A.shape), layout)
        keep.append((A, B, vector))
        arr[i] = _Job(mid, layout, A.shape[0], A.shape[1], B.shape[1], _ptr(A), lda, _ptr(B), ldb, 0)
    rc = _lib.sia_train_batch(arr, len(jobs))
    if rc < 0:
        raise SiaError("sia_train_batch", rc)
    out = []
    for i, (A, B, vector) in enumerate(keep):
        x = B[: A.shape[1]]
        out.append((arr[i].info, (x[:, 0].copy() if vector else x.copy()) if arr[i].info == 0 else None))
    return out


def memo_drop(model_id):
    """Forget a model's memo; returns whether it had one."""
    return _lib.sia_memo_drop(model_id) == 0


def memo_clear():
    _lib.sia_memo_clear()


def memo_count():
    return _lib.sia_memo_count()


def memo_merge(dst, a, b):
    _check("sia_memo_merge", _lib.sia_memo_merge(dst, a, b))


def memo_set_limit(nbytes):
    _lib.sia_memo_set_limit(nbytes)


def memo_stats():
    st = _Stats()
    _check("sia_memo_stats", _lib.sia_memo_stats(ctypes.byref(st)))
    return {f: getattr(st, f) for f, _ in _Stats._fields_}


def memo_open(path):
    rc = _lib.sia_memo_open(os.fsencode(path))
    if rc < 0:
        raise SiaError("sia_memo_open", rc)
    return rc


def memo_checkpoint():
    rc = _lib.sia_memo_checkpoint()
    if rc < 0:
        raise SiaError("sia_memo_checkpoint", rc)
    return rc


def memo_close():
    _check("sia_memo_close", _lib.sia_memo_close())


def set_rcond(rcond):
    _lib.sia_set_rcond(rcond)


def last_rank():
    return _lib.sia_last_rank()


def set_threads(n):
    _lib.sia_set_threads(n)


def device_select(spec):
    _check("sia_device_select", _lib.sia_device_select(spec.encode()))


def device_describe():
    n = _lib.sia_device_describe(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    _lib.sia_device_describe(buf, n + 1)
    return buf.value.decode()
