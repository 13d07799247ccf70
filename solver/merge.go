package solver

import (
	"github.com/libsia/sia/device"
	"github.com/libsia/sia/memo"
)

// Merge stores in dst the memo of the union of the rows of models a and b,
// computed from their factors alone: the QR factorization of
// [R_a | Qᵀb_a; R_b | Qᵀb_b] with the structured update (O(n³)), the row
// counts added and the residual sums of squares added to what the merge
// itself leaves outside the range. dst may equal a or b; a and b keep their
// memos unless dst is one of them. This is an index's node merge. (A node
// split has no such shortcut: the children's rows are subsets, so they
// cold-train; drop the parent's memo.)
//
// Errors (numbered as the C declaration sia_memo_merge(dst, a, b)): −1 for
// a negative dst, ErrNoMemo when a or b has no memo, −3 when b's n or nrhs
// differ from a's, ErrCold when the merged memo could not keep every target
// column (nrhs > 1, columns ~1e240 apart at the ends of the range: see
// IncreTrain). On error nothing changes. All three IDs are locked
// together (in ascending order), so a merge is atomic with respect to
// other calls on them.
func (s *Solver) Merge(dst, a, b int64) error {
	const op = "memo_merge"
	if dst < 0 {
		return newError(op, -1)
	}
	if a < 0 || b < 0 {
		return newError(op, CodeNoMemo)
	}
	return s.store.UpdateMany([]int64{dst, a, b}, func(cur map[int64]*memo.Model) (map[int64]*memo.Model, error) {
		ma, mb := cur[a], cur[b]
		switch {
		case ma == nil || mb == nil:
			return nil, newError(op, CodeNoMemo)
		case ma.N != mb.N || ma.NRHS != mb.NRHS:
			return nil, newError(op, -3)
		}
		n, nrhs := ma.N, ma.NRHS
		nc := n + nrhs
		tb := make([]float64, n*nc)
		rssB := make([]float64, nrhs)
		// Both factors are brought to the exponents of the union's rows.
		sc := newMemoScale(max(ma.AMax, mb.AMax), max(ma.BMax, mb.BMax))
		mb.Unpack(tb, nc, rssB)
		job, p := s.job(n, nrhs, device.Rows{K: n, A: tb, LDA: nc, B: tb[n:], LDB: nc})
		defer s.put(p)
		job.Solve = false
		ma.Unpack(job.T, nc, job.RSS)
		if sc.losesTargets(&device.Job{N: n, NRHS: nrhs, T: tb, RSS: rssB}, mb) ||
			sc.losesTargets(&device.Job{N: n, NRHS: nrhs, T: job.T, RSS: job.RSS}, ma) {
			return nil, newError(op, CodeCold)
		}
		memo.RescaleFactor(n, nrhs, tb, nc, rssB, int(mb.EA), int(mb.EB), sc.ea, sc.eb)
		memo.RescaleFactor(n, nrhs, job.T, nc, job.RSS, int(ma.EA), int(ma.EB), sc.ea, sc.eb)
		s.Engine().Run([]*device.Job{job})
		out := memo.NewModel(n, nrhs)
		for r := range rssB {
			job.RSS[r] += rssB[r]
		}
		out.Pack(job.T, nc, job.RSS)
		out.Rows = ma.Rows + mb.Rows
		sc.store(out)
		return map[int64]*memo.Model{dst: out}, nil
	})
}
