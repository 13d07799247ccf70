package solver

import (
	"github.com/libsia/sia/device"
	"github.com/libsia/sia/memo"
)

// IncreTrain absorbs m new rows into the memo of id and solves for all rows
// absorbed so far.
//
// a (m × n, leading dimension lda) holds only the new rows and b their
// targets (b spans max(m,n) × nrhs, leading dimension ldb, as in dgels; only
// its first m rows are read). The memo becomes the one ColdTrain would have
// stored for every row absorbed so far plus these: R′ and Qᵀb′ come from the
// structured QR of [R | Qᵀb; A_new | b_new], O(m·n²) flops, never touching
// old rows. On success the first n rows of b hold the solution; rows n..m-1
// are not written. a is not modified.
//
// Errors: −i for illegal argument i as in ColdTrain, with trans required to
// be 'N' (else −2), m ≥ 1 (−3) and n ≥ 1 (−4); ErrNoMemo (CodeNoMemo) when id
// has no memo (negative IDs never have one); −4 or −5 when n or nrhs differ
// from the memo's; i > 0 when the updated R(i,i) is exactly zero. On any
// error the memo is unchanged and b is not written.
func (s *Solver) IncreTrain(id int64, layout Layout, trans byte, m, n, nrhs int, a []float64, lda int, b []float64, ldb int) error {
	_, err := s.IncreTrainRank(id, layout, trans, m, n, nrhs, a, lda, b, ldb)
	return err
}

// IncreTrainRank is IncreTrain that also returns the effective rank (see
// ColdTrainRank).
func (s *Solver) IncreTrainRank(id int64, layout Layout, trans byte, m, n, nrhs int, a []float64, lda int, b []float64, ldb int) (int, error) {
	return s.update("incre_train", id, layout, trans, m, n, nrhs, a, lda, b, ldb, false)
}

// update is the shared body of IncreTrain and DecreTrain: validate, find
// the memo, run one job that adds (or, with down, removes) the rows, and
// store the result only if the job succeeded.
func (s *Solver) update(op string, id int64, layout Layout, trans byte, m, n, nrhs int, a []float64, lda int, b []float64, ldb int, down bool) (int, error) {
	g := gelsArgs{layout: layout, trans: trans, m: m, n: n, nrhs: nrhs,
		a: a, lda: lda, b: b, ldb: ldb, bRows: max(m, n), bCheck: m}
	if code := g.check(true); code != CodeOK {
		return -1, newError(op, code)
	}
	rows := device.Rows{K: m, ColMajor: layout == ColMajor, A: a, LDA: lda, B: b, LDB: ldb}
	return s.trainMemo(op, id, n, nrhs,
		func(cur *memo.Model) error {
			switch {
			case cur.N != n:
				return newError(op, -4)
			case cur.NRHS != nrhs:
				return newError(op, -5)
			case down && cur.Rows-int64(m) < int64(n):
				// Fewer rows than columns left: R would be singular.
				return newError(op, CodeCold)
			case down && (g.anrm > cur.AMax || g.bnrm > cur.BMax):
				// An entry larger than any absorbed: the row was never
				// part of the model.
				return newError(op, CodeCold)
			}
			return nil
		},
		func(job *device.Job) { job.New, job.Downdate = rows, down },
		func(cur *memo.Model) memoScale {
			if down {
				return newMemoScale(cur.AMax, cur.BMax)
			}
			return newMemoScale(max(cur.AMax, g.anrm), max(cur.BMax, g.bnrm))
		},
		func(cur *memo.Model) int64 {
			if down {
				return cur.Rows - int64(m)
			}
			return cur.Rows + int64(m)
		},
		func(job *device.Job) { putX(layout, n, nrhs, job.X, b, ldb) })
}
