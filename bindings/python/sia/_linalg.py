"""sia.lstsq: numpy.linalg.lstsq's signature and return tuple, solved by libsia."""

from typing import Any, Optional, Tuple

import numpy as _np

from . import SiaError, _lib, _gate, _model_id, _ptr, _check, ROW_MAJOR

_EPS = float(_np.finfo(_np.float64).eps)
_DLAMCH_E = _EPS / 2  # LAPACK's relative machine precision, 2**-53: dgelsd's rcond <= 0 or >= 1


def _result_type(*arrays: _np.ndarray):
    """numpy.linalg's rule: float32 if every operand is float32, else
    float64; complex and other inexact types are refused."""
    single = True
    for x in arrays:
        k = x.dtype
        if k.kind == "c":
            raise TypeError("sia.lstsq: complex input (%s) is not supported: libsia solves real problems" % k)
        if k == _np.float32:
            continue
        if k.kind == "f" and k != _np.float64:
            raise TypeError("array type %s is unsupported in linalg" % k)
        single = False
    return _np.float32 if single else _np.float64


def lstsq(a: Any, b: Any, rcond: Optional[float] = None, *, model_id: Optional[int] = None,
          singular_values: bool = True) -> Tuple[_np.ndarray, _np.ndarray, int, Optional[_np.ndarray]]:
    """numpy.linalg.lstsq, solved by libsia: the least-squares solution of
    ``a @ x = b`` (minimum norm where ``a`` is rank-deficient).

    Args:
        a: (M, N) matrix (real; any numeric dtype, nested sequences too).
        b: (M,) or (M, K) targets.
        rcond: numpy's meaning: singular values ``<= rcond * s_max`` count
            as zero. None (the default, as numpy >= 2.0): machine
            precision times ``max(M, N)``. As numpy (LAPACK's dgelsd) a
            value ``<= 0`` or ``>= 1`` means machine precision (2**-53).
        model_id: memoize the model under this ID (M >= N: rows of ``a``;
            M < N: ``a`` padded with zero rows to N), so that
            :func:`sia.incre_train` continues it. None: nothing memoized.
        singular_values: return the singular values of ``a`` (numpy's
            ``s``). libsia's C API does not expose its R factor, so they
            are computed by numpy from ``a`` (QR then SVD of the N x N R:
            about the cost of the solve again); False returns None instead
            and skips that pass.

    Returns:
        ``(x, residuals, rank, s)`` as numpy: x (N,) or (N, K); residuals
        the squared 2-norms of ``b - a @ x`` per column, shape (1,) or (K,),
        only when rank == N and M > N, else shape (0,); rank (int) as
        decided by libsia's SVD of its R with the same rcond; s (min(M, N),)
        in decreasing order, or None. float32 results for float32 inputs,
        float64 otherwise (computed in float64), as numpy.

    Raises:
        numpy.linalg.LinAlgError: ``a`` not 2-D, ``b`` not 1-D or 2-D, or
            row counts that differ ("Incompatible dimensions").
        TypeError: complex input (libsia is real-only).
        ValueError: NaN or infinity in ``a`` or ``b`` (numpy's lstsq raises
            LinAlgError "SVD did not converge" there) -- a
            :class:`sia.SiaError`.
    """
    wrap = b.__array_wrap__ if isinstance(b, _np.ndarray) and type(b) is not _np.ndarray else (lambda v: v)
    A = _np.asarray(a)
    B = _np.asarray(b)
    if A.ndim != 2:
        raise _np.linalg.LinAlgError("%d-dimensional array given. Array must be two-dimensional" % A.ndim)
    if B.ndim not in (1, 2):
        raise _np.linalg.LinAlgError("%d-dimensional array given. Array must be one or two-dimensional" % B.ndim)
    is_1d = B.ndim == 1
    if is_1d:
        B = B[:, None]
    m, n = A.shape
    m2, nrhs = B.shape
    if m != m2:
        raise _np.linalg.LinAlgError("Incompatible dimensions")
    result_t = _result_type(A, B)
    A = _np.array(A, dtype=_np.float64, order="C")       # a copy: dgels overwrites its matrix
    B64 = _np.asarray(B, dtype=_np.float64)
    if rcond is None:
        rc = _EPS * max(m, n)
    else:
        rc = float(rcond)
        if _np.isnan(rc):
            raise ValueError("rcond must not be NaN")
    if not 0 < rc < 1:
        rc = _DLAMCH_E
    mid = _model_id("lstsq", model_id, required=False)

    if m == 0 or n == 0:
        x = _np.zeros((n, nrhs))
        rank = 0
        resid = (B64 ** 2).sum(axis=0) if m > n else _np.zeros(0)
        if mid >= 0:
            raise SiaError("lstsq", -3 if m == 0 else -4, "nothing to memoize in a %d x %d matrix" % (m, n))
    else:
        rows = max(m, n)                                   # m < n: zero rows make it m >= n (same solution)
        if rows > m:
            A = _np.vstack([A, _np.zeros((rows - m, n))])
        cols = max(nrhs, 1)                                # nrhs == 0: one zero column, as numpy does
        W = _np.zeros((rows, cols))
        W[:m, :nrhs] = B64
        with _gate.use(rc):
            _check("lstsq", _lib.cold_train(mid, ROW_MAJOR, b"N", rows, n, cols, _ptr(A), n, _ptr(W), cols))
            rank = int(_lib.sia_last_rank())
        x = W[:n, :nrhs].copy()
        # dgels leaves in rows n..m-1 a vector whose squared norm is the
        # residual sum of squares (exact when rank == n).
        resid = (W[n:m, :nrhs] ** 2).sum(axis=0) if m > n else _np.zeros(0)
    if rank != n or m <= n:
        resid = _np.zeros(0)
    s = None
    if singular_values:
        if m == 0 or n == 0:
            s = _np.zeros(0)
        elif m > n:
            s = _np.linalg.svd(_np.linalg.qr(_np.asarray(a, dtype=_np.float64), mode="r"), compute_uv=False)
        else:
            s = _np.linalg.svd(_np.asarray(a, dtype=_np.float64), compute_uv=False)
        s = s.astype(result_t, copy=False)
    if is_1d:
        x = x[:, 0]
    return wrap(x.astype(result_t, copy=False)), wrap(resid.astype(result_t, copy=False)), rank, s
