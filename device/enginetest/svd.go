package enginetest

import (
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// singularValues returns the singular values of the n × n row-major matrix r,
// in decreasing order, computed by gonum's Dgesvd on a copy.
func singularValues(n int, r []float64) []float64 {
	a := append([]float64(nil), r[:n*n]...)
	s := make([]float64, n)
	var impl gonum.Implementation
	work := make([]float64, 1)
	impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, n, n, a, n, s, nil, 1, nil, 1, work, -1)
	work = make([]float64, int(work[0]))
	impl.Dgesvd(lapack.SVDNone, lapack.SVDNone, n, n, a, n, s, nil, 1, nil, 1, work, len(work))
	return s
}
