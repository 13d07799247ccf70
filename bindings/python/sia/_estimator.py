"""sia.LinearRegression: scikit-learn's LinearRegression, trained by libsia,
plus exact online updates (partial_fit, remove, refit_targets).

scikit-learn is optional. Where it is installed the estimator is a
scikit-learn regressor (BaseEstimator, RegressorMixin, MultiOutputMixin) and
validates its input with scikit-learn's own functions, so its errors and
messages are scikit-learn's; without it a small mirror of that validation
gives the same errors (ValueError with the same messages) and the class
works alone.

How the model is kept. The memo (libsia's n x n factor R and Q^T b under
the model's ID) holds the rows exactly as given, scaled by sqrt(weight):
with ``fit_intercept=True`` the rows ``[gamma, x - shift]`` (shift: the
first fit's weighted mean; gamma: the RMS spread of its columns, so that
the design's singular values are those of the centred X plus one in their
range and rcond keeps scikit-learn's meaning). ``partial_fit`` and
``remove`` pass libsia the rows themselves, so they are the C API's
incre_train and decre_train with its checks intact, O(k n^2). libsia's
minimum-norm solution of that design is scikit-learn's answer -- the
minimum-norm solution of the *centred* problem, the intercept outside the
norm -- also on rank-deficient designs (see ``_set_solution``). Fewer rows
than columns are padded with zero rows (they change nothing) so that every
model has a memo.
"""

import itertools
import numbers
import warnings
import weakref
from typing import Any, Dict, Optional

import numpy as _np

from . import (SiaError, ENOMEMO, cold_train, incre_train, decre_train, incre_train_shifted,
               last_rank, _model_id, _lib)

try:  # scikit-learn is optional
    from sklearn.base import BaseEstimator as _SkBase, RegressorMixin as _SkRegressor, MultiOutputMixin as _SkMulti
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted as _sk_check_is_fitted, \
        _check_sample_weight as _sk_check_sample_weight
    HAVE_SKLEARN = True
except ImportError:
    HAVE_SKLEARN = False

    class NotFittedError(ValueError, AttributeError):
        """The estimator is used before fit (scikit-learn's NotFittedError
        where scikit-learn is installed)."""

_EPS = float(_np.finfo(_np.float64).eps)
_AUTO_IDS = itertools.count(1 << 62)  # IDs from 2**62 up are private to estimators


def _drop_quietly(model_id: int) -> None:
    try:
        _lib.sia_memo_drop(model_id)
    except Exception:  # interpreter shutdown
        pass


# ---- validation without scikit-learn (its messages) --------------------------

def _is_sparse(X: Any) -> bool:
    return type(X).__module__.startswith("scipy.sparse") and hasattr(X, "toarray")


def _feature_names(X: Any) -> Optional[_np.ndarray]:
    cols = getattr(X, "columns", None)
    if cols is None:
        return None
    names = _np.asarray(cols, dtype=object)
    if len(names) and all(isinstance(c, str) for c in names):
        return names
    return None


def _fb_check_array(X: Any, est: str, input_name: str, ensure_2d: bool = True) -> _np.ndarray:
    """scikit-learn's check_array for dense float64 output, in short."""
    if _is_sparse(X):
        X = X.toarray()
    arr = _np.asarray(X)
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported\n{}\n".format(arr))
    if arr.dtype.kind in "USV":
        raise ValueError("dtype='numeric' is not compatible with arrays of bytes/strings."
                         "Convert your data to numeric values explicitly instead.")
    if arr.dtype.kind == "O":
        for v in arr.flat:
            if isinstance(v, complex):
                raise ValueError("Complex data not supported\n{}\n".format(arr))
    arr = arr.astype(_np.float64)  # object arrays: numpy's own ValueError for what is not a number
    if ensure_2d:
        if arr.ndim == 0:
            raise ValueError("Expected 2D array, got scalar array instead:\narray={}.\n"
                             "Reshape your data either using array.reshape(-1, 1) if "
                             "your data has a single feature or array.reshape(1, -1) "
                             "if it contains a single sample.".format(arr))
        if arr.ndim == 1:
            raise ValueError("Expected 2D array, got 1D array instead:\narray={}.\n"
                             "Reshape your data either using array.reshape(-1, 1) if "
                             "your data has a single feature or array.reshape(1, -1) "
                             "if it contains a single sample.".format(arr))
        if arr.ndim >= 3:
            raise ValueError("Found array with dim %d. %s expected <= 2." % (arr.ndim, est))
    if not _np.isfinite(arr).all():
        if _np.isnan(arr).any():
            msg = "Input %scontains NaN." % (input_name + " " if input_name else "")
            if input_name == "X":
                msg += "\n%s does not accept missing values encoded as NaN natively." % est
        else:
            msg = "Input %scontains infinity or a value too large for %r." % (
                input_name + " " if input_name else "", arr.dtype)
        raise ValueError(msg)
    n_samples = arr.shape[0] if arr.ndim else 0
    if n_samples < 1:
        raise ValueError("Found array with %d sample(s) (shape=%s) while a minimum of %d is required%s."
                         % (n_samples, arr.shape, 1, " by " + est))
    if arr.ndim == 2 and arr.shape[1] < 1:
        raise ValueError("Found array with %d feature(s) (shape=%s) while a minimum of %d is required%s."
                         % (arr.shape[1], arr.shape, 1, " by " + est))
    return arr


def _fb_check_sample_weight(sample_weight: Any, n_samples: int) -> _np.ndarray:
    if sample_weight is None:
        return _np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        w = _np.full(n_samples, float(sample_weight))
    else:
        w = _fb_check_array(sample_weight, "sample_weight", "sample_weight", ensure_2d=False)
        if w.ndim != 1:
            raise ValueError("Sample weights must be 1D array or scalar")
        if w.shape != (n_samples,):
            raise ValueError("sample_weight.shape == {}, expected {}!".format(w.shape, (n_samples,)))
    if (w < 0).any():
        raise ValueError("Negative values in data passed to `sample_weight`")
    return w


class _FallbackBase:
    """What LinearRegression takes from scikit-learn where it is absent:
    get_params/set_params (for copying by hand), score (R^2) and repr."""

    _estimator_type = "regressor"

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor's parameters."""
        return {k: getattr(self, k) for k in _PARAMS}

    def set_params(self, **params: Any) -> Any:
        """Set constructor parameters; they take effect at the next fit."""
        for k, v in params.items():
            if k not in _PARAMS:
                raise ValueError("Invalid parameter %r for estimator %s. Valid parameters are: %s."
                                 % (k, type(self).__name__, sorted(_PARAMS)))
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        changed = ["%s=%r" % (k, getattr(self, k)) for k in _PARAMS if getattr(self, k) != _DEFAULTS[k]]
        return "%s(%s)" % (type(self).__name__, ", ".join(changed))

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The coefficient of determination R^2 of ``predict(X)`` against y
        (uniform average over targets), as scikit-learn's r2_score."""
        pred = self.predict(X)
        yt = _np.asarray(y, dtype=_np.float64).reshape(pred.shape)
        yt2, pr2 = (yt[:, None], pred[:, None]) if yt.ndim == 1 else (yt, pred)
        w = _np.ones(yt2.shape[0]) if sample_weight is None else _np.asarray(sample_weight, dtype=float)
        num = (w[:, None] * (yt2 - pr2) ** 2).sum(axis=0)
        den = (w[:, None] * (yt2 - _np.average(yt2, axis=0, weights=w)) ** 2).sum(axis=0)
        r2 = _np.ones(yt2.shape[1])
        ok = den != 0
        r2[ok] = 1 - num[ok] / den[ok]
        r2[(~ok) & (num != 0)] = 0.0
        return float(r2.mean())


_DEFAULTS = {"fit_intercept": True, "copy_X": True, "n_jobs": None, "positive": False, "rcond": None,
             "model_id": None}
_PARAMS = tuple(_DEFAULTS)
_BASES = (_SkMulti, _SkRegressor, _SkBase) if HAVE_SKLEARN else (_FallbackBase,)


class LinearRegression(*_BASES):  # type: ignore[misc]
    """Ordinary least squares, as scikit-learn's LinearRegression, solved by
    libsia -- with exact online updates that scikit-learn does not have.

    The constructor, attributes and results are scikit-learn's (same
    defaults; the minimum-norm solution on rank-deficient designs;
    sample_weight; R^2 score; scikit-learn's input errors). Beyond it:
    ``partial_fit`` absorbs new rows, ``remove`` deletes rows, and
    ``refit_targets`` re-solves after targets moved -- each exact (the model
    a fresh fit on the current rows gives, to rounding) at O(k n^2) for k
    rows, from libsia's memoized n x n factor; the rows themselves are not
    kept.

    Args:
        fit_intercept: centre X and y on their (weighted) means and report
            the intercept, as scikit-learn (default True).
        copy_X: accepted for compatibility; X is never written.
        n_jobs: accepted for compatibility; libsia's worker threads are
            process-wide (:func:`sia.set_threads`).
        positive: only False (non-negative least squares is not libsia's).
        rcond: singular values of the (centred) design ``<= rcond * s_max``
            count as zero (the minimum-norm solution, libsia's
            rank-revealing mode: an SVD of the n x n factor at every call).
            None (default): numpy.linalg.lstsq's default, machine precision
            times max(n_samples, n_features) of the rows in the model at
            that call. A negative value: dgels mode, no SVD (faster, for
            designs of full rank: an exactly dependent column raises
            SiaError with code i > 0, a nearly dependent one gives huge
            coefficients).
        model_id: the memo's ID in libsia's process-wide store. None: a
            private ID (>= 2**62), dropped with the estimator. A given ID
            (>= 0) is never dropped by the estimator and survives it, e.g.
            in the durable memo (:func:`sia.memo_open`); clones share it.

    Attributes (after fit): ``coef_`` (n_features,) or (n_targets,
    n_features); ``intercept_`` float or (n_targets,); ``rank_`` (the
    effective rank of the centred design); ``n_features_in_``;
    ``feature_names_in_`` (string column names, e.g. of a DataFrame);
    ``n_samples_seen_`` (rows in the model); ``model_id_``. scikit-learn's
    ``singular_`` is not provided: libsia's C API does not expose its
    factor, and computing it from X would double the cost of fit.
    """

    def __init__(self, *, fit_intercept: bool = True, copy_X: bool = True, n_jobs: Optional[int] = None,
                 positive: bool = False, rcond: Optional[float] = None, model_id: Optional[int] = None):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.n_jobs = n_jobs
        self.positive = positive
        self.rcond = rcond
        self.model_id = model_id

    # ---- validation -----------------------------------------------------------
    def _check_params(self) -> None:
        if not isinstance(self.fit_intercept, (bool, _np.bool_)):
            raise TypeError("fit_intercept must be a bool, not %r" % (self.fit_intercept,))
        if self.positive:
            raise ValueError("positive=True (non-negative least squares) is not supported by "
                             "sia.LinearRegression; use sklearn.linear_model.LinearRegression")
        if self.rcond is not None:
            if isinstance(self.rcond, bool) or not isinstance(self.rcond, numbers.Real) or self.rcond != self.rcond:
                raise ValueError("rcond must be None or a real number, not %r" % (self.rcond,))

    def _validate_xy(self, X: Any, y: Any, reset: bool):
        name = type(self).__name__
        if HAVE_SKLEARN:
            X, y = self._validate_data(X, y, reset=reset, accept_sparse=True, dtype=_np.float64,
                                       y_numeric=True, multi_output=True)
        else:
            if y is None:
                raise ValueError("This %s estimator requires y to be passed, but the target y is None." % name)
            X = _fb_check_array(X, name, "X")
            y = _fb_check_array(y, name, "y", ensure_2d=False)
            if y.ndim > 2:
                raise ValueError("y should be a 1d array, got an array of shape %s instead." % (y.shape,))
            if X.shape[0] != y.shape[0]:
                raise ValueError("Found input variables with inconsistent numbers of samples: %r"
                                 % [X.shape[0], y.shape[0]])
            self._fb_check_features(X, reset)
        if _is_sparse(X):
            X = X.toarray()
        return _np.asarray(X, dtype=_np.float64), _np.asarray(y, dtype=_np.float64)

    def _validate_x(self, X: Any):
        if HAVE_SKLEARN:
            X = self._validate_data(X, reset=False, accept_sparse=True, dtype=_np.float64)
        else:
            X = _fb_check_array(X, type(self).__name__, "X")
            self._fb_check_features(X, reset=False)
        return X

    def _fb_check_features(self, X: Any, reset: bool) -> None:
        names = _feature_names(X)
        if reset:
            self.n_features_in_ = X.shape[1]
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return
        fitted = getattr(self, "feature_names_in_", None)
        if fitted is not None and names is None:
            warnings.warn("X does not have valid feature names, but %s was fitted with feature names"
                          % type(self).__name__)
        elif fitted is None and names is not None:
            warnings.warn("X has feature names, but %s was fitted without feature names" % type(self).__name__)
        elif fitted is not None and (len(fitted) != len(names) or (fitted != names).any()):
            raise ValueError("The feature names should match those that were passed during fit.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError("X has %d features, but %s is expecting %d features as input."
                             % (X.shape[1], type(self).__name__, self.n_features_in_))

    def _weights(self, sample_weight: Any, X: _np.ndarray) -> _np.ndarray:
        if HAVE_SKLEARN:
            return _np.asarray(_sk_check_sample_weight(sample_weight, X, dtype=_np.float64,
                                                       only_non_negative=True), dtype=_np.float64)
        return _fb_check_sample_weight(sample_weight, X.shape[0])

    def _require_fitted(self) -> None:
        if HAVE_SKLEARN:
            _sk_check_is_fitted(self)
        elif not hasattr(self, "coef_"):
            raise NotFittedError("This %s instance is not fitted yet. Call 'fit' with appropriate arguments "
                                 "before using this estimator." % type(self).__name__)

    def _require_memo(self, op: str) -> None:
        self._require_fitted()
        if not getattr(self, "_sia_memo", False):
            raise SiaError(op, ENOMEMO, "this estimator has no libsia factor (a pickled or copied estimator with "
                                        "a private model ID does not carry it): fit it again, or give it a "
                                        "model_id and keep the factor in the durable memo (sia.memo_open)")

    # ---- the shifted, weighted problem ----------------------------------------
    def _rcond_for(self, rows: int) -> float:
        if self._sia_rcond is None:
            return _EPS * max(rows, self.n_features_in_)
        return float(self._sia_rcond)

    def _design(self, X: _np.ndarray, sw: _np.ndarray) -> _np.ndarray:
        """The memo's rows: sqrt(w) [gamma, X - shift] (intercept) or sqrt(w) X."""
        if not self._sia_intercept:
            return X * sw
        A = _np.empty((X.shape[0], X.shape[1] + 1))
        A[:, :1] = self._sia_gamma * sw
        _np.multiply(X - self._sia_shift, sw, out=A[:, 1:])
        return A

    @staticmethod
    def _rhs(Y: _np.ndarray, sw: _np.ndarray) -> _np.ndarray:
        """The memo's targets: sqrt(w) y."""
        return Y * sw

    @staticmethod
    def _targets2d(y: _np.ndarray) -> _np.ndarray:
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _set_solution(self, x: _np.ndarray) -> None:
        """coef_, intercept_, rank_ from libsia's solution.

        With an intercept the memo holds D = sqrt(w) [gamma 1, X - shift].
        scikit-learn's answer is the minimum-norm solution of the centred
        problem (the intercept outside the norm); libsia's is the
        minimum-norm solution (t, v) of D, which can differ from it only
        along D's null space {(-xbar'.u / gamma, u): u in null(Xc)}, xbar'
        = mean - shift. For u in null(Xc), X u is constant over the rows,
        so xbar'.u = mean(X u) - shift.u = 0 whenever the shift was taken
        over rows with the same constant -- rows of the model, or rows that
        left it, for a downdate into a rank-deficient model is refused
        (ECOLD, libsia's rank-revealing mode). So the null space is {(0,
        u)}, v is orthogonal to null(Xc), and v is scikit-learn's solution;
        the intercept is gamma t - shift.v."""
        rank = last_rank()
        if self._sia_intercept:
            coef = x[1:].T  # (nrhs, p)
            intercept = self._sia_gamma * x[0] - coef @ self._sia_shift
            self.rank_ = max(rank - 1, 0)
        else:
            coef = x.T
            intercept = _np.zeros(x.shape[1])
            self.rank_ = rank
        if self._sia_y1d:
            self.coef_ = _np.ascontiguousarray(coef[0])
            self.intercept_ = float(intercept[0])
        else:
            self.coef_ = _np.ascontiguousarray(coef)
            self.intercept_ = intercept

    # ---- scikit-learn's API ----------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "LinearRegression":
        """Fit on all rows of X (n_samples, n_features) with targets y
        (n_samples,) or (n_samples, n_targets) and optional non-negative
        sample weights, memoizing libsia's factor (replacing an earlier fit
        of this model). Returns self."""
        self._check_params()
        X, y = self._validate_xy(X, y, reset=True)
        w = self._weights(sample_weight, X)
        if self.model_id is None:
            if getattr(self, "_sia_auto_id", None) is None:
                self._sia_auto_id = next(_AUTO_IDS)
                weakref.finalize(self, _drop_quietly, self._sia_auto_id)
            mid = self._sia_auto_id
        else:
            mid = _model_id("LinearRegression.fit", self.model_id, required=True)
            if mid < 0:
                raise ValueError("model_id must be an int >= 0 or None, not %d" % mid)
        W = float(w.sum())
        if not W > 0:
            raise ValueError("sample_weight sums to zero: nothing to fit")
        Y = self._targets2d(y)
        p = X.shape[1]
        self.n_features_in_ = p
        self._sia_intercept = bool(self.fit_intercept)
        self._sia_rcond = self.rcond
        self._sia_nrhs = Y.shape[1]
        self._sia_y1d = y.ndim == 1
        if self._sia_intercept:
            # Shift by the first fit's mean, and scale the intercept's
            # column like the others, so that D's singular values are those
            # of the centred X plus one in their range (scikit-learn's rcond
            # meaning carries over). Both stay fixed for the model's life:
            # remove must rebuild the rows exactly as they were absorbed.
            self._sia_shift = (w @ X) / W
            spread = float(_np.sqrt((w @ (X - self._sia_shift) ** 2).sum() / (W * p)))
            self._sia_gamma = spread if spread > 0 and _np.isfinite(spread) else 1.0
        sw = _np.sqrt(w)[:, None]
        n = p + (1 if self._sia_intercept else 0)
        A = self._design(X, sw)
        B = self._rhs(Y, sw)
        # Fewer rows than columns: zero rows (they change nothing) so that
        # the factor is memoized and later rows continue it. They stay in
        # the memo's row count (refit_targets passes them again).
        extra = max(n - A.shape[0], 0)
        A_extra, B_extra = _np.zeros((extra, n)), _np.zeros((extra, B.shape[1]))
        self._sia_extra = (A_extra, B_extra)
        x = cold_train(_np.vstack([A, A_extra]), _np.vstack([B, B_extra]), model_id=mid,
                       rcond=self._rcond_for(X.shape[0]))
        self.model_id_ = mid
        self._sia_memo = True
        self._sia_w = W
        self.n_samples_seen_ = X.shape[0]
        self._set_solution(x)
        return self

    def predict(self, X: Any) -> _np.ndarray:
        """``X @ coef_.T + intercept_``: (n_samples,) or (n_samples, n_targets)."""
        self._require_fitted()
        X = self._validate_x(X)
        return _np.asarray(X @ self.coef_.T) + self.intercept_

    def _more_tags(self) -> Dict[str, Any]:
        return {"multioutput": True}

    # ---- beyond scikit-learn ---------------------------------------------------
    def _rows(self, op: str, X: Any, y: Any, sample_weight: Any):
        self._require_memo(op)
        X, y = self._validate_xy(X, y, reset=False)
        if (y.ndim == 1) != self._sia_y1d or self._targets2d(y).shape[1] != self._sia_nrhs:
            raise ValueError("%s: y has shape %s; the model was fitted with %s" % (
                op, y.shape, "1-D targets" if self._sia_y1d else "%d target columns" % self._sia_nrhs))
        w = self._weights(sample_weight, X)
        sw = _np.sqrt(w)[:, None]
        return X, self._design(X, sw), self._rhs(self._targets2d(y), sw), float(w.sum())

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> "LinearRegression":
        """Absorb new rows (with optional weights): only they are factored,
        against the memoized factor, O(k n^2) for k rows; the result is the
        model a fresh fit on every row so far gives. On an unfitted
        estimator this is fit. Returns self."""
        if not hasattr(self, "coef_"):
            return self.fit(X, y, sample_weight)
        X, A, B, Wk = self._rows("LinearRegression.partial_fit", X, y, sample_weight)
        k = X.shape[0]
        x = incre_train(A, B, model_id=self.model_id_, rcond=self._rcond_for(self.n_samples_seen_ + k))
        self._sia_w += Wk
        self.n_samples_seen_ += k
        self._set_solution(x)
        return self

    def remove(self, X: Any, y: Any, sample_weight: Any = None) -> "LinearRegression":
        """Delete rows absorbed earlier, with the targets and weights they
        were absorbed with: an exact downdate of the factor, O(k n^2); the
        result is the model a fresh fit on the remaining rows gives.

        libsia refuses a downdate that would lose accuracy (a removed row
        carrying almost all the information in some direction, one whose
        target lies far off the fit, fewer rows left than columns, a
        rank-deficient model in the rank-revealing mode, rows that cannot
        have been absorbed): then :class:`sia.SiaError` with code
        ``sia.ECOLD`` is raised and the model is unchanged -- fit the
        remaining rows instead. Returns self."""
        op = "LinearRegression.remove"
        X, A, B, Wk = self._rows(op, X, y, sample_weight)
        k = X.shape[0]
        if k >= self.n_samples_seen_ or not self._sia_w - Wk > 1e-12 * self._sia_w:
            raise ValueError("%s: removing %d rows (weight %g) from a model of %d (weight %g) would leave "
                             "nothing to fit: fit instead" % (op, k, Wk, self.n_samples_seen_, self._sia_w))
        x = decre_train(A, B, model_id=self.model_id_, rcond=self._rcond_for(self.n_samples_seen_ - k))
        self._sia_w -= Wk
        self.n_samples_seen_ -= k
        self._set_solution(x)
        return self

    def refit_targets(self, X: Any, y: Any, *, n_new: int = 0, sample_weight: Any = None) -> "LinearRegression":
        """Re-solve after targets moved (an index's positions after
        inserts) without re-factoring: X holds every row of the model (in
        any order) followed by n_new rows not absorbed yet, y their current
        targets, sample_weight their weights. The new rows are absorbed
        (O(n_new n^2)); the solve uses the memoized factor against all rows
        (corrected semi-normal equations, O(m n) a pass: libsia's
        incre_train_shifted).

        Raises ValueError when X's row count does not match the model's;
        SiaError ECOLD, model unchanged, when the corrections do not
        converge (cond(X) beyond about 1e9): fit instead. Returns self."""
        op = "LinearRegression.refit_targets"
        X, A, B, W = self._rows(op, X, y, sample_weight)
        m = X.shape[0]
        if isinstance(n_new, bool) or not isinstance(n_new, numbers.Integral) or not 0 <= n_new <= m:
            raise ValueError("%s: n_new must be an int in [0, %d], not %r" % (op, m, n_new))
        if m - n_new != self.n_samples_seen_:
            raise ValueError("%s: X has %d rows and n_new=%d, but the model holds %d rows"
                             % (op, m, n_new, self.n_samples_seen_))
        A_extra, B_extra = self._sia_extra
        if not n_new:  # libsia wants >= 1 new row: a zero row, kept in the memo's extra rows
            A_extra = _np.vstack([A_extra, _np.zeros((1, A.shape[1]))])
            B_extra = _np.vstack([B_extra, _np.zeros((1, B.shape[1]))])
        A_new = A[m - n_new:] if n_new else A_extra[-1:]
        x = incre_train_shifted(A_new, _np.vstack([A, A_extra]), _np.vstack([B, B_extra]),
                                model_id=self.model_id_, rcond=self._rcond_for(m))
        self._sia_extra = (A_extra, B_extra)
        self._sia_w = W
        self.n_samples_seen_ = m
        self._set_solution(x)
        return self

    # ---- pickling and copies ----------------------------------------------------
    def __getstate__(self) -> Dict[str, Any]:
        state = super().__getstate__() if HAVE_SKLEARN else dict(self.__dict__)
        state = dict(state)
        if state.pop("_sia_auto_id", None) is not None:
            # A private ID's factor belongs to this estimator alone: a copy
            # predicts, but cannot continue it (fit it again).
            state["_sia_memo"] = False
            state.pop("model_id_", None)
        return state


LinearModel = LinearRegression
