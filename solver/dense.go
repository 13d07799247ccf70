package solver

import "gonum.org/v1/gonum/mat"

// ColdTrainDense is ColdTrain for gonum matrices: it fits the least-squares
// model min ‖A·X − B‖ (A m × n with m ≥ n, B m × nrhs), memoizes it under id
// (id ≥ 0) and returns X (n × nrhs). a and b are not modified.
func (s *Solver) ColdTrainDense(id int64, a, b mat.Matrix) (*mat.Dense, error) {
	am, bm, m, n, nrhs, ok := denseArgs(a, b)
	switch {
	case !ok:
		return nil, newError("cold_train", -8)
	case m < n:
		return nil, newError("cold_train", -3)
	}
	if err := s.ColdTrain(id, RowMajor, 'N', m, n, nrhs, am, max(n, 1), bm, max(nrhs, 1)); err != nil {
		return nil, err
	}
	return solution(n, nrhs, bm), nil
}

// IncreTrainDense is IncreTrain for gonum matrices: it absorbs the rows of a
// (k × n) with targets b (k × nrhs) into id's memo and returns the solution
// X (n × nrhs) for all rows absorbed so far. a and b are not modified.
func (s *Solver) IncreTrainDense(id int64, a, b mat.Matrix) (*mat.Dense, error) {
	am, bm, m, n, nrhs, ok := denseArgs(a, b)
	if !ok {
		return nil, newError("incre_train", -8)
	}
	if err := s.IncreTrain(id, RowMajor, 'N', m, n, nrhs, am, max(n, 1), bm, max(nrhs, 1)); err != nil {
		return nil, err
	}
	return solution(n, nrhs, bm), nil
}

// denseArgs copies a and b into row-major slices; b gets max(m, n) rows, as
// the dgels shape needs. It returns ok = false when b's row count differs
// from a's.
func denseArgs(a, b mat.Matrix) (am, bm []float64, m, n, nrhs int, ok bool) {
	m, n = a.Dims()
	bRows, nrhs := b.Dims()
	if bRows != m {
		return nil, nil, m, n, nrhs, false
	}
	am = make([]float64, m*n)
	mat.NewDense(m, n, am).Copy(a)
	bm = make([]float64, max(m, n)*nrhs)
	mat.NewDense(m, nrhs, bm[:m*nrhs]).Copy(b)
	return am, bm, m, n, nrhs, true
}

func solution(n, nrhs int, bm []float64) *mat.Dense {
	x := make([]float64, n*nrhs)
	copy(x, bm[:n*nrhs])
	return mat.NewDense(n, nrhs, x)
}
