package solver

import (
	"math"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/memo"
)

// Scaling at the ends of the floating-point range.
//
// LAPACK's dgels scales A (and B) into [smlnum, bignum] when its largest
// entry lies outside, solves, and undoes the scaling on the solution, so
// that entries near overflow or deep in the denormals are solved as
// accurately as ordinary ones. libsia does the same on every path, with
// powers of two (exact: no rounding is added). Memoized models use dgels's
// range for the rows and a narrower one for the targets, because a memo
// carries sums of squares of transformed targets (the residual sums); the
// shifted-target solve also forms products of rows and targets, so there
// the rows get the narrower range too. The memo keeps the exponents it is
// stored with (memo.Model.EA, EB), because the true R of data near 1e306
// need not be representable at all.
const (
	// smlnum and bignum are dgels's bounds: dlamch('S')/dlamch('P') and its
	// reciprocal.
	smlnum = 0x1p-970
	bignum = 0x1p+970
	// narrowLo and narrowHi bound the largest magnitude of a memoized
	// model's targets (and, in the shifted solve, rows) as stored: squares
	// and pairwise products of such values, summed over up to 2⁶⁰ rows,
	// stay normal and finite.
	narrowLo = 0x1p-400
	narrowHi = 0x1p+400
)

// scaleExp returns the exponent e that brings amax into [lo, hi] the way
// dgels does — to the nearer bound, so that entries much smaller than amax
// (a column of 1e-200 beside one of 1e300) keep as much of the range as
// possible: amax·2^e has the binary exponent of hi (or lo). It is 0 when
// amax lies inside or is zero.
func scaleExp(amax, lo, hi float64) int {
	switch {
	case amax == 0 || amax >= lo && amax <= hi:
		return 0
	case amax > hi:
		return math.Ilogb(hi) - math.Ilogb(amax)
	default:
		return math.Ilogb(lo) - math.Ilogb(amax)
	}
}

// scaleRows returns a compact row-major copy of the K rows of r (N columns
// of A, nrhs of B) with A multiplied by 2^ea and B by 2^eb; r itself when
// both exponents are zero.
func scaleRows(r device.Rows, n, nrhs, ea, eb int) device.Rows {
	if ea == 0 && eb == 0 {
		return r
	}
	out := device.Rows{K: r.K, A: make([]float64, r.K*n), LDA: max(n, 1), LDB: max(nrhs, 1)}
	for i := 0; i < r.K; i++ {
		for j := 0; j < n; j++ {
			out.A[i*n+j] = math.Ldexp(r.A[elem(r.ColMajor, i, j, r.LDA)], ea)
		}
	}
	if r.B != nil {
		out.B = make([]float64, r.K*max(nrhs, 1))
		for i := 0; i < r.K; i++ {
			for c := 0; c < nrhs; c++ {
				out.B[i*nrhs+c] = math.Ldexp(r.B[elem(r.ColMajor, i, c, r.LDB)], eb)
			}
		}
	}
	return out
}

// elem is the index of element (i, j) of a matrix in the given layout.
func elem(colMajor bool, i, j, ld int) int {
	if colMajor {
		return i + j*ld
	}
	return i*ld + j
}

// memoScale is a memoized call's scaling: the exponents the model is
// trained and stored with, and the largest magnitudes of all its rows and
// targets after the call.
type memoScale struct {
	ea, eb     int
	amax, bmax float64
}

// newMemoScale decides the scaling of a model whose rows and targets, after
// the call, have largest magnitudes amax and bmax: rows into dgels's range,
// targets into the narrow one.
func newMemoScale(amax, bmax float64) memoScale {
	return memoScale{ea: scaleExp(amax, smlnum, bignum), eb: scaleExp(bmax, narrowLo, narrowHi), amax: amax, bmax: bmax}
}

// newDgelsScale is dgels's own scaling, for a cold call that stores no
// memo: rows and targets into [smlnum, bignum], so that nothing is scaled
// that dgels would not scale — with several target columns of very
// different magnitude, one exponent for all of them could push a small
// column out of the range (the memo's narrower target range is for its
// sums of squares, which a pure dgels call does not keep).
func newDgelsScale(amax, bmax float64) memoScale {
	return memoScale{ea: scaleExp(amax, smlnum, bignum), eb: scaleExp(bmax, smlnum, bignum), amax: amax, bmax: bmax}
}

// newShiftedScale is newMemoScale for the shifted-target solve, which
// multiplies rows by targets: both into the narrow range.
func newShiftedScale(amax, bmax float64) memoScale {
	return memoScale{ea: scaleExp(amax, narrowLo, narrowHi), eb: scaleExp(bmax, narrowLo, narrowHi), amax: amax, bmax: bmax}
}

// apply prepares job for the engine: the factor unpacked from cur (nil for
// a fresh job) is brought to the call's exponents, and the job's new rows
// (and All rows) are replaced by scaled copies when the exponents are not
// zero. The caller's rows are never modified.
func (sc memoScale) apply(job *device.Job, cur *memo.Model) {
	if cur != nil {
		memo.RescaleFactor(job.N, job.NRHS, job.T, job.N+job.NRHS, job.RSS, int(cur.EA), int(cur.EB), sc.ea, sc.eb)
	}
	if sc.ea == 0 && sc.eb == 0 {
		return
	}
	job.New = scaleRows(job.New, job.N, job.NRHS, sc.ea, sc.eb)
	if job.All != nil {
		all := scaleRows(*job.All, job.N, job.NRHS, sc.ea, sc.eb)
		job.All = &all
	}
}

// finish completes a successful job: an all-zero A (R = 0) has the zero
// solution, as dgels's quick return gives, instead of R(1,1) = 0; the
// solution is brought back to the caller's scale. It returns the job's Info
// after that.
func (sc memoScale) finish(job *device.Job) int {
	if job.Info > 0 && sc.amax == 0 {
		job.Info = 0
		clear(job.X)
	}
	if job.Info != 0 {
		return job.Info
	}
	if d := sc.ea - sc.eb; d != 0 {
		for i := range job.X[:job.N*job.NRHS] {
			job.X[i] = math.Ldexp(job.X[i], d)
		}
	}
	return 0
}

// store records the scaling in the memo of a successful call.
func (sc memoScale) store(m *memo.Model) {
	m.EA, m.EB, m.AMax, m.BMax = int32(sc.ea), int32(sc.eb), sc.amax, sc.bmax
}

// losesTargets reports whether the call's target scaling would push a
// nonzero target column below smlnum, where it would lose digits that dgels
// keeps: memoized models scale all their target columns by one exponent, so
// with nrhs > 1 and columns ~1e240 apart at the ends of the range the small
// one cannot be kept. It looks at the new rows' targets (job.New or, for the
// shifted solve, job.All) and, unless the call replaces them, at the memo's
// target columns (Qᵀb and the residual sums in job.T and job.RSS as
// unpacked from cur, exponent cur.EB). Call it before apply. O(k·nrhs +
// n·nrhs), and only when nrhs > 1 and a column is scaled down.
func (sc memoScale) losesTargets(job *device.Job, cur *memo.Model) bool {
	nrhs := job.NRHS
	if nrhs < 2 {
		return false
	}
	low := func(mag float64, e int) bool { return mag != 0 && math.Ldexp(mag, e) < smlnum }
	if rows := job.New; job.All != nil || sc.eb < 0 {
		if job.All != nil {
			rows = *job.All
		}
		if sc.eb < 0 && rows.B != nil {
			for r := 0; r < nrhs; r++ {
				var mag float64
				for i := 0; i < rows.K; i++ {
					mag = max(mag, math.Abs(rows.B[elem(rows.ColMajor, i, r, rows.LDB)]))
				}
				if low(mag, sc.eb) {
					return true
				}
			}
		}
	}
	if cur == nil || job.All != nil || sc.eb >= int(cur.EB) {
		return false
	}
	n, nc := job.N, job.N+nrhs
	for r := 0; r < nrhs; r++ {
		mag := math.Sqrt(max(job.RSS[r], 0))
		for i := 0; i < n; i++ {
			mag = max(mag, math.Abs(job.T[i*nc+n+r]))
		}
		if low(mag, sc.eb-int(cur.EB)) {
			return true
		}
	}
	return false
}
