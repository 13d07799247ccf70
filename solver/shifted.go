package solver

import (
	"github.com/libsia/sia/device"
	"github.com/libsia/sia/memo"
)

// IncreTrainShifted absorbs k new rows into the memo of id and solves
// against all m current rows with their current targets — for indexes
// (SIndex style) where an insert shifts the positions of later keys, so old
// rows' targets change while their key rows do not.
//
// aNew (k × n, leading dimension ldaNew) holds the new rows; a (m × n,
// leading dimension lda) every current row of the model, new ones included,
// so m must equal the rows absorbed so far plus k; b (max(m,n) × nrhs,
// leading dimension ldb) the current targets of those m rows. R is updated
// with the new rows only (O(k·n²)); the solution comes from corrected
// semi-normal equations with the memoized R — X = R⁻¹R⁻ᵀAᵀb, then
// correction steps with residuals in double-double until they converge to
// working precision (at most SetRefineSteps of them; device/cpu.Csne) —
// O(m·n) per pass, never re-factoring A. On exit the first n rows of b hold
// X, and the memo's Qᵀb = R·X and residual sums of squares match the
// current targets, so a later IncreTrain stays right. a and aNew are not
// modified.
//
// Accuracy: when the corrections converge the answer is at least as
// accurate as a QR solve on all rows (README, "Shifted targets"). The
// iteration is sure to contract only while about κ(A)²·ε < 1, in practice
// up to κ ≈ 1e9; where the condition estimate of R puts 16·n·ε·κ̂² at 1e6
// or more the CPU engine refits instead (device/cpu/route.go). When the
// corrections taken do not converge — they stop shrinking, or the step
// limit is too small — the call refuses with ErrCold (CodeCold) and
// changes nothing: cold-train the model.
//
// Errors: −i for illegal argument i, numbered as in the C declaration
// (layout 1, k 2, n 3, nrhs 4, a_new 5, lda_new 6, m 7, a 8, lda 9, b 10,
// ldb 11; NaN or ±Inf in a_new, a or the first m rows of b give −5, −8,
// −10); ErrNoMemo; −3 or −4 when n or nrhs differ from the memo's; −7 when m
// is not the memo's rows plus k; i > 0 when the updated R(i,i) is exactly
// zero (dgels mode); ErrCold when the corrections did not converge. On
// error the memo is unchanged and b is not written.
func (s *Solver) IncreTrainShifted(id int64, layout Layout, k, n, nrhs int, aNew []float64, ldaNew int, m int, a []float64, lda int, b []float64, ldb int) error {
	_, err := s.IncreTrainShiftedRank(id, layout, k, n, nrhs, aNew, ldaNew, m, a, lda, b, ldb)
	return err
}

// IncreTrainShiftedRank is IncreTrainShifted that also returns the
// effective rank (see ColdTrainRank).
//
// The call reads a twice on its usual route (Aᵀb, then one correction on a
// well-conditioned model): its check for NaN, ±Inf and the magnitudes that
// would need scaling is folded into the first of them (device.Job.AllBound)
// where the memo and the other arguments need no scaling; when that check
// fails, the call scans a on its own and runs again, and when the call
// stops before that pass (no memo, dimensions unlike the memo's, a refusal
// decided from the memo) it scans a before answering, so codes and results
// are those of a scan first.
func (s *Solver) IncreTrainShiftedRank(id int64, layout Layout, k, n, nrhs int, aNew []float64, ldaNew int, m int, a []float64, lda int, b []float64, ldb int) (int, error) {
	rank, err := s.shifted(id, layout, k, n, nrhs, aNew, ldaNew, m, a, lda, b, ldb, true)
	if err == errRescan {
		rank, err = s.shifted(id, layout, k, n, nrhs, aNew, ldaNew, m, a, lda, b, ldb, false)
	}
	return rank, err
}

// errRescan is returned by shifted when the engine found a's magnitudes
// unfit for a call whose scan of a was left to it.
var errRescan = newError("incre_train_shifted", CodeInternal)

// shifted is IncreTrainShiftedRank's body; with lazy, the scan of a is left
// to the engine's first pass when nothing else needs scaling (errRescan
// when that scan fails).
func (s *Solver) shifted(id int64, layout Layout, k, n, nrhs int, aNew []float64, ldaNew int, m int, a []float64, lda int, b []float64, ldb int, lazy bool) (int, error) {
	const op = "incre_train_shifted"
	// With no target column the engine's first pass (Aᵀb) never runs, so
	// it cannot scan a: scan here.
	code, anrm, bnrm, scanned := checkShifted(layout, k, n, nrhs, aNew, ldaNew, m, a, lda, b, ldb, lazy && nrhs > 0)
	if code != CodeOK {
		return -1, newError(op, code)
	}
	col := layout == ColMajor
	var jb *device.Job
	rank, err := s.trainMemo(op, id, n, nrhs,
		func(cur *memo.Model) error {
			switch {
			case cur.N != n:
				return newError(op, -3)
			case cur.NRHS != nrhs:
				return newError(op, -4)
			case cur.Rows+int64(k) != int64(m):
				return newError(op, -7)
			}
			if !scanned {
				// The engine's scan may only confirm the scaling decided
				// without a: none, with magnitudes already in range.
				sc := newShiftedScale(max(cur.AMax, anrm), bnrm)
				if sc.ea != 0 || sc.eb != 0 || sc.amax < narrowLo || cur.EA != 0 || cur.EB != 0 {
					return errRescan
				}
			}
			return nil
		},
		func(job *device.Job) {
			job.New = device.Rows{K: k, ColMajor: col, A: aNew, LDA: ldaNew}
			job.All = &device.Rows{K: m, ColMajor: col, A: a, LDA: lda, B: b, LDB: ldb}
			job.Refine = int(s.refine.Load())
			job.AllRoute = device.Route(s.route.Load())
			if !scanned {
				job.AllBound = narrowHi
			}
			jb = job
		},
		// The targets are replaced: their magnitude is that of b alone.
		func(cur *memo.Model) memoScale {
			amax := max(cur.AMax, anrm)
			sc := newShiftedScale(amax, bnrm)
			if (sc.ea != 0 || sc.eb != 0) && jb.AllRoute == device.RouteAuto {
				// Rows or targets near the ends of the range. The corrected
				// route multiplies rows by targets, so it would bring every
				// column into the narrow range with one exponent — a column
				// of 1e-300 beside one of 1e130 would lose its digits, or
				// its R(j,j) would flush to zero —; a refit needs only what
				// dgels and cold_train scale (scaleExp into dgels's range).
				jb.AllRoute = device.RouteRefactor
				return newMemoScale(amax, bnrm)
			}
			return sc
		},
		func(*memo.Model) int64 { return int64(m) },
		func(job *device.Job) { putX(layout, n, nrhs, job.X, b, ldb) })
	if err != nil && err != errRescan && !scanned {
		// The call stopped before the engine's first pass could find a
		// NaN or ±Inf in a (no memo, a dimension unlike the memo's, a
		// refusal decided from the memo): a scan first would have
		// answered −8 instead.
		if _, ok := scan(layout, m, n, a, lda); !ok {
			return -1, newError(op, -8)
		}
	}
	return rank, err
}

// checkShifted validates IncreTrainShifted's arguments: layout, then extents
// (CodeTooBig before anything is read), then NaN/Inf in the data, then
// dimensions and leading dimensions in argument order, then slice lengths.
// It returns the result code and the largest magnitudes of aNew, a and b.
// With lazy, a (the largest argument) is not scanned when every other check
// passed, and scanned is false: the caller must have it checked before
// trusting it (device.Job.AllBound).
func checkShifted(layout Layout, k, n, nrhs int, aNew []float64, ldaNew int, m int, a []float64, lda int, b []float64, ldb int, lazy bool) (code int, anrm, bnrm float64, scanned bool) {
	if layout != RowMajor && layout != ColMajor {
		return -1, 0, 0, true
	}
	ea, eaNew, eb := Extent(layout, m, n, lda), Extent(layout, k, n, ldaNew), Extent(layout, max(m, n), nrhs, ldb)
	if ea > MaxElements || eaNew > MaxElements || eb > MaxElements || n > MaxColumns || nrhs > MaxColumns {
		return CodeTooBig, 0, 0, true
	}
	anew, ok1 := scan(layout, k, n, aNew, ldaNew)
	bnrm, ok3 := scan(layout, m, nrhs, b, ldb)
	code = shiftedDims(layout, k, n, nrhs, aNew, ldaNew, m, a, lda, b, ldb, ea, eaNew, eb)
	scanned = !lazy || code != CodeOK || !ok1 || !ok3
	aall, ok2 := 0.0, true
	if scanned {
		aall, ok2 = scan(layout, m, n, a, lda)
	}
	switch {
	case !ok1:
		code = -5
	case !ok2:
		code = -8
	case !ok3:
		code = -10
	}
	return code, max(anew, aall), bnrm, scanned
}

// shiftedDims checks checkShifted's dimensions, leading dimensions and slice
// lengths, in argument order.
func shiftedDims(layout Layout, k, n, nrhs int, aNew []float64, ldaNew int, m int, a []float64, lda int, b []float64, ldb int, ea, eaNew, eb int) int {
	switch {
	case k < 1:
		return -2
	case n < 1:
		return -3
	case nrhs < 0:
		return -4
	case layout == RowMajor && ldaNew < n || layout == ColMajor && ldaNew < k:
		return -6
	case m < k:
		return -7
	case layout == RowMajor && lda < n || layout == ColMajor && lda < m:
		return -9
	case layout == RowMajor && ldb < max(1, nrhs) || layout == ColMajor && ldb < max(m, n):
		return -11
	}
	switch {
	case len(aNew) < eaNew:
		return -5
	case len(a) < ea:
		return -8
	case len(b) < eb:
		return -10
	}
	return CodeOK
}
