package aidel

import (
	"math"

	"github.com/libsia/sia/solver"
)

// The trainer's fitting steps. Each takes a model's rows as entries (whose
// keys give the feature rows) and their target positions.

// rows builds the row-major feature matrix (k × n) and target vector
// (max(k, n) long, as dgels wants b) of ents at pos.
func (ix *Index[V]) rows(ents []*entry[V], pos []float64, off int) (a, b []float64) {
	n := ix.cfg.FeatureBytes + 1
	a = make([]float64, len(ents)*n)
	b = make([]float64, max(len(ents), n))
	for i, e := range ents {
		row(a[i*n:(i+1)*n], e.key, off)
		b[i] = pos[i]
	}
	return a, b
}

// measure folds the exact errors and feature maxima of the rows of ents
// at pos into f (reset first when reset is set).
func measure[V any](f *fit, ents []*entry[V], pos []float64, reset bool) {
	F := len(f.w) - 1
	if reset {
		f.minErr, f.maxErr, f.maxNorm = 0, 0, 0
		clear(f.colMax)
		if len(ents) > 0 {
			f.minErr, f.maxErr = math.Inf(1), math.Inf(-1)
		}
	}
	for i, e := range ents {
		r := pos[i] - f.predict(e.key)
		f.minErr = min(f.minErr, r)
		f.maxErr = max(f.maxErr, r)
		norm2 := 1.0
		end := min(len(e.key), f.off+F)
		for j := f.off; j < end; j++ {
			x := float64(e.key[j])
			norm2 += x * x
			f.colMax[j-f.off] = max(f.colMax[j-f.off], x)
		}
		f.maxNorm = max(f.maxNorm, math.Sqrt(norm2)*(1+1e-15))
	}
	if len(ents) > 0 || !reset {
		f.colMax[F] = 1
	}
}

// newFit returns a zero model reading F bytes from off.
func newFit(F, off int) fit {
	return fit{off: off, w: make([]float64, F+1), colMax: make([]float64, F+1)}
}

// cold fits the rows of ents at pos from scratch and memoizes the factor
// under id (when there are at least n rows); the bounds are exact. A solve
// that fails — fewer rows than columns with two equal key windows — gives
// the constant model through the middle of the positions, whose error is
// half their span; it is counted in Stats.ColdTrains all the same.
func (ix *Index[V]) cold(id int64, off int, ents []*entry[V], pos []float64) fit {
	n := ix.cfg.FeatureBytes + 1
	f := newFit(ix.cfg.FeatureBytes, off)
	k := len(ents)
	ix.s.Drop(id)
	if k > 0 {
		a, b := ix.rows(ents, pos, off)
		mid := id
		if k < n {
			mid = -1 // minimum-norm solution, not memoized
		}
		if err := ix.s.ColdTrain(mid, solver.RowMajor, 'N', k, n, 1, a, n, b, 1); err == nil {
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
// bounds by the largest change an old row's error can see (see widen).
func update(f fit, w []float64) fit {
	nf := f
	nf.w = append([]float64(nil), w...)
	nf.colMax = append([]float64(nil), f.colMax...)
	dw := make([]float64, len(w))
	for j := range w {
		dw[j] = w[j] - f.w[j]
	}
	// widen bounds the exact change; predictions are rounded, so add a
	// margin far above their rounding error (≈ ε·Σ|wⱼ|·|aⱼ|).
	var scale float64
	for j := range w {
		scale += (math.Abs(w[j]) + math.Abs(f.w[j])) * f.colMax[j]
	}
	d := widen(dw, f.maxNorm, f.colMax) + 1e-9*(1+scale)
	nf.minErr -= d
	nf.maxErr += d
	return nf
}

// incre absorbs the rows of ents at pos into id's memo (solver.IncreTrain)
// and returns the updated fit: old rows' bounds widened, new rows measured
// exactly. On error (no memo, a singular update) f is returned unchanged
// with the error; the caller cold-trains.
func (ix *Index[V]) incre(id int64, f fit, ents []*entry[V], pos []float64) (fit, error) {
	n := ix.cfg.FeatureBytes + 1
	a, b := ix.rows(ents, pos, f.off)
	if err := ix.s.IncreTrain(id, solver.RowMajor, 'N', len(ents), n, 1, a, n, b, 1); err != nil {
		return f, err
	}
	nf := update(f, b[:n])
	measure(&nf, ents, pos, false)
	return nf, nil
}

// decre removes the rows of ents at pos (absorbed earlier with exactly
// these targets) from id's memo (solver.DecreTrain) and returns the fit
// with widened bounds; on error (SIA_ECOLD, no memo) f and the error.
func (ix *Index[V]) decre(id int64, f fit, ents []*entry[V], pos []float64) (fit, error) {
	n := ix.cfg.FeatureBytes + 1
	a, b := ix.rows(ents, pos, f.off)
	if err := ix.s.DecreTrain(id, solver.RowMajor, 'N', len(ents), n, 1, a, n, b, 1); err != nil {
		return f, err
	}
	return update(f, b[:n]), nil
}
