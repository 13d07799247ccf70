package solver

import (
	"math"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/memo"
)

// ColdTrain solves the least-squares or minimum-norm problem of LAPACK's
// dgels and, for trans = 'N', m ≥ n ≥ 1 and id ≥ 0, memoizes the model:
//
//	trans 'N', m ≥ n: minimize ‖A·X − B‖₂        (least squares)
//	trans 'N', m < n: minimize ‖X‖₂ s.t. A·X = B  (minimum norm)
//	trans 'T', m ≥ n: minimize ‖X‖₂ s.t. Aᵀ·X = B
//	trans 'T', m < n: minimize ‖Aᵀ·X − B‖₂
//
// A is m × n with leading dimension lda, B is max(m,n) × nrhs with leading
// dimension ldb, both in layout, exactly as LAPACKE_dgels. On success the
// solution is in the first n (trans 'N') or m (trans 'T') rows of b; for
// trans 'N' and m > n rows n..m-1 hold transformed right-hand sides whose
// column sums of squares are the residual sums of squares, as dgels leaves
// them. a may be overwritten. Entries of a and b outside the logical
// matrices are never written.
//
// Memoization (trans 'N', m ≥ n ≥ 1, id ≥ 0): R (n × n), Qᵀb (n × nrhs), the
// row count and the residual sums of squares replace any earlier memo of id.
// A negative id makes ColdTrain a pure dgels replacement. Nothing is stored
// when the call fails, and n = 0 never touches the memo.
//
// Errors (see Code): −i for illegal argument i, in LAPACKE_dgels's order
// and numbering (NaN or ±Inf in a or b: −6, −8; a slice shorter than its
// extent also gives −6 or −8); i > 0 when R(i,i) (or L(i,i)) is exactly zero;
// CodeTooBig when an extent exceeds MaxElements or, for a call that keeps a
// memo (id ≥ 0, trans 'N', m ≥ n), n or nrhs exceeds MaxColumns. With a
// negative id every call LAPACKE_dgels accepts is accepted.
func (s *Solver) ColdTrain(id int64, layout Layout, trans byte, m, n, nrhs int, a []float64, lda int, b []float64, ldb int) error {
	_, err := s.ColdTrainRank(id, layout, trans, m, n, nrhs, a, lda, b, ldb)
	return err
}

// ColdTrainRank is ColdTrain that also returns the effective rank of A: n
// (or min(m,n)) on success in dgels mode, the rank decided by rcond in the
// rank-revealing mode (SetRCond), −1 on error.
func (s *Solver) ColdTrainRank(id int64, layout Layout, trans byte, m, n, nrhs int, a []float64, lda int, b []float64, ldb int) (int, error) {
	g := gelsArgs{layout: layout, trans: trans, m: m, n: n, nrhs: nrhs,
		a: a, lda: lda, b: b, ldb: ldb, bRows: max(m, n), bCheck: max(m, n), keep: id >= 0}
	if code := g.check(false); code != CodeOK {
		return -1, newError("cold_train", code)
	}
	if trans == 'T' || trans == 't' || m < n {
		if code := s.gels(&g); code != CodeOK {
			return -1, newError("cold_train", code)
		}
		return min(m, n), nil
	}
	if n == 0 {
		zeroB(layout, m, nrhs, b, ldb)
		return 0, nil
	}
	sc := newMemoScale(g.anrm, g.bnrm)
	if id < 0 {
		sc = newDgelsScale(g.anrm, g.bnrm)
	}
	user := device.Rows{K: m, ColMajor: layout == ColMajor, A: a, LDA: lda, B: b, LDB: ldb}
	if id >= 0 && sc.losesTargets(&device.Job{N: n, NRHS: nrhs, New: user}, nil) {
		// The memo cannot keep every target column (see losesTargets):
		// answer as dgels, store nothing and forget any earlier memo of id,
		// so that incremental calls report SIA_ENOMEMO instead of losing
		// digits.
		rank, err := s.ColdTrainRank(-1, layout, trans, m, n, nrhs, a, lda, b, ldb)
		if err == nil {
			s.store.Drop(id)
		}
		return rank, err
	}
	job, p := s.job(n, nrhs, user)
	defer s.put(p)
	job.Fresh, job.Tail = true, true
	sc.apply(job, nil)
	s.Engine().Run([]*device.Job{job})
	if info := sc.finish(job); info < 0 || info > 0 && nrhs > 0 {
		// With nrhs = 0 dgels returns before factoring, so a singular R
		// (info > 0) is no error; its memo is still the exact factor. An
		// engine failure (info < 0) always is.
		return -1, newError("cold_train", info)
	}
	switch {
	case sc.amax == 0:
		// dgels's quick return for A = 0 sets all of B to zero.
		zeroB(layout, m, nrhs, b, ldb)
	case sc.ea != 0 || sc.eb != 0:
		// The engine left the residual rows in the scaled copy.
		for i := n; i < m; i++ {
			for r := 0; r < nrhs; r++ {
				b[elem(user.ColMajor, i, r, ldb)] = math.Ldexp(job.New.B[i*nrhs+r], -sc.eb)
			}
		}
	}
	putX(layout, n, nrhs, job.X, b, ldb)
	if id < 0 {
		return job.Rank, nil
	}
	return job.Rank, s.store.Update(id, func(cur *memo.Model) (*memo.Model, error) {
		if cur == nil || cur.N != n || cur.NRHS != nrhs {
			cur = memo.NewModel(n, nrhs)
		}
		cur.Pack(job.T, n+nrhs, job.RSS)
		cur.Rows = int64(m)
		sc.store(cur)
		return cur, nil
	})
}
