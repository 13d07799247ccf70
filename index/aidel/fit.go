package aidel

import (
	"math"

	"github.com/libsia/sia/solver"
)

// The trainer's fitting steps. Each takes a model's rows as entries (whose
// keys give the feature rows) and their target positions.

// rows builds the row-major feature matrix (k × n) and target vector
// (max(k, n) long, as dgels wants b) of ents at pos, in the trainer's
// scratch arrays (valid until the next call).
func (ix *Index[V]) rows(ents []*entry[V], pos []float64, cols []int) (a, b []float64) {
	n := len(cols) + 1
	a = scratch(&ix.spare.a, len(ents)*n)
	b = scratch(&ix.spare.b, max(len(ents), n))
	clear(b)
	fillRows(a, b, ents, pos, cols)
	return a, b
}

// fillRows writes the feature rows of ents (row-major, len(cols)+1 wide)
// into a and their positions into b's first len(ents) entries.
func fillRows[V any](a, b []float64, ents []*entry[V], pos []float64, cols []int) {
	n := len(cols) + 1
	for i, e := range ents {
		row(a[i*n:(i+1)*n], e.key, cols)
		b[i] = pos[i]
	}
}

// measure folds the exact errors and feature maxima of the rows of ents
// at pos into f (reset first when reset is set).
func measure[V any](f *fit, ents []*entry[V], pos []float64, reset bool) {
	F := len(f.cols)
	if reset {
		f.minErr, f.maxErr, f.maxNorm = 0, 0, 0
		for j := range f.colMax {
			f.colMin[j], f.colMax[j] = 0, 0
		}
		if len(ents) > 0 {
			f.minErr, f.maxErr = math.Inf(1), math.Inf(-1)
			for j := range F {
				f.colMin[j], f.colMax[j] = math.Inf(1), math.Inf(-1)
			}
			f.colMin[F], f.colMax[F] = 1, 1
		}
	}
	for i, e := range ents {
		r := pos[i] - f.predict(e.key)
		f.minErr = min(f.minErr, r)
		f.maxErr = max(f.maxErr, r)
		norm2 := 1.0
		for j, c := range f.cols {
			x := float64(byteAt(e.key, c))
			norm2 += x * x
			f.colMin[j] = min(f.colMin[j], x)
			f.colMax[j] = max(f.colMax[j], x)
		}
		f.maxNorm = max(f.maxNorm, math.Sqrt(norm2)*(1+1e-15))
	}
	if len(ents) > 0 { // the bias column
		f.colMin[F], f.colMax[F] = min(f.colMin[F], 1), max(f.colMax[F], 1)
	}
}

// newFit returns a zero model reading the key bytes at cols.
func newFit(cols []int) fit {
	n := len(cols) + 1
	return fit{cols: cols, w: make([]float64, n), colMin: make([]float64, n), colMax: make([]float64, n)}
}

// The solver calls: dgels mode first (ix.s), the rank-revealing solver on
// the same memo store (ix.sr) when R has an exactly zero diagonal entry.
func (ix *Index[V]) solve(call func(*solver.Solver) error) error {
	err := call(ix.s)
	if solver.Code(err) > 0 {
		ix.stats.rankRevealing.Add(1)
		err = call(ix.sr)
	}
	return err
}

// cold fits the rows of ents at pos from scratch and memoizes the factor
// under id (when there are at least n rows); the bounds are exact. A solve
// that fails — fewer rows than columns with two equal key windows — gives
// the constant model through the middle of the positions, whose error is
// half their span; it is counted in Stats.ColdTrains all the same.
func (ix *Index[V]) cold(id int64, cols []int, ents []*entry[V], pos []float64) fit {
	f := newFit(cols)
	n := len(cols) + 1
	k := len(ents)
	ix.s.Drop(id)
	if k > 0 {
		a, b := ix.rows(ents, pos, cols)
		mid := id
		if k < n {
			mid = -1 // minimum-norm solution, not memoized
		}
		ac := scratch(&ix.spare.ac, len(a)) // ColdTrain overwrites a
		copy(ac, a)
		err := ix.solve(func(s *solver.Solver) error {
			copy(a, ac)
			return s.ColdTrain(mid, solver.RowMajor, 'N', k, n, 1, a, n, b, 1)
		})
		if err == nil {
			copy(f.w, b[:n])
		} else {
			ix.s.Drop(id)
			f.w[n-1] = (pos[0] + pos[k-1]) / 2
		}
	}
	measure(&f, ents, pos, true)
	return f
}

// exact recomputes f's bounds and maxima over the rows of ents at pos.
func exact[V any](f *fit, ents []*entry[V], pos []float64) { measure(f, ents, pos, true) }

// update applies a solve's new weights w to a copy of f, widening its
// bounds by the largest change an old row's error can see (see widen). The
// copy's vectors come from the trainer's spares.
func (ix *Index[V]) update(f fit, w []float64) fit {
	sp := &ix.spare
	n := len(w)
	nf := f
	nf.w = sp.vec(n)
	copy(nf.w, w)
	nf.colMin, nf.colMax = sp.vec(n), sp.vec(n)
	copy(nf.colMin, f.colMin)
	copy(nf.colMax, f.colMax)
	dw := scratch(&sp.dw, n)
	for j := range w {
		dw[j] = w[j] - f.w[j]
	}
	// widen bounds the exact change; predictions are rounded, so add a
	// margin far above their rounding error (≈ ε·Σ|wⱼ|·|aⱼ|).
	var scale float64
	for j := range w {
		scale += (math.Abs(w[j]) + math.Abs(f.w[j])) * f.colMax[j]
	}
	d := widen(dw, f.maxNorm, f.colMin, f.colMax) + 1e-9*(1+scale)
	nf.minErr -= d
	nf.maxErr += d
	return nf
}

// memoCall is a solver call that changes a memo by rows (IncreTrain,
// DecreTrain), as a method expression.
type memoCall func(s *solver.Solver, id int64, layout solver.Layout, trans byte, m, n, nrhs int,
	a []float64, lda int, b []float64, ldb int) error

// step runs call with the rows of ents at pos on id's memo and returns f
// with the new weights and its bounds widened (see update); on error (no
// memo, a singular update, SIA_ECOLD) f unchanged and the error.
func (ix *Index[V]) step(call memoCall, id int64, f fit, ents []*entry[V], pos []float64) (fit, error) {
	n := len(f.cols) + 1
	a, b := ix.rows(ents, pos, f.cols)
	if err := ix.solve(func(s *solver.Solver) error {
		return call(s, id, solver.RowMajor, 'N', len(ents), n, 1, a, n, b, 1)
	}); err != nil {
		return f, err
	}
	return ix.update(f, b[:n]), nil
}

// incre absorbs the rows of ents at pos into id's memo (solver.IncreTrain)
// and returns the updated fit: old rows' bounds widened, new rows measured
// exactly. On error f and the error; the caller cold-trains.
func (ix *Index[V]) incre(id int64, f fit, ents []*entry[V], pos []float64) (fit, error) {
	nf, err := ix.step((*solver.Solver).IncreTrain, id, f, ents, pos)
	if err == nil {
		measure(&nf, ents, pos, false)
	}
	return nf, err
}

// shifted absorbs the rows of ents at the indexes fresh into id's memo
// and solves against every row of ents at pos, the targets of old rows
// having moved (solver.IncreTrainShifted: R updated with the new rows, the
// solution from corrected semi-normal equations over all rows, O(m·n)).
// The bounds are recomputed exactly, since shifted targets leave nothing
// to widen from. On error, f and the error.
func (ix *Index[V]) shifted(id int64, f fit, ents []*entry[V], pos []float64, fresh []int) (fit, error) {
	n := len(f.cols) + 1
	k := len(fresh)
	a, b := ix.rows(ents, pos, f.cols)
	aNew := make([]float64, max(k, 1)*n)
	for j, i := range fresh {
		copy(aNew[j*n:(j+1)*n], a[i*n:(i+1)*n])
	}
	if err := ix.solve(func(s *solver.Solver) error {
		return s.IncreTrainShifted(id, solver.RowMajor, k, n, 1, aNew, n, len(ents), a, n, b, 1)
	}); err != nil {
		return f, err
	}
	nf := newFit(f.cols)
	copy(nf.w, b[:n])
	exact(&nf, ents, pos)
	return nf, nil
}

// decre removes the rows of ents at pos (absorbed earlier with exactly
// these targets) from id's memo (solver.DecreTrain) and returns the fit
// with widened bounds; on error (SIA_ECOLD, no memo) f and the error.
func (ix *Index[V]) decre(id int64, f fit, ents []*entry[V], pos []float64) (fit, error) {
	return ix.step((*solver.Solver).DecreTrain, id, f, ents, pos)
}
