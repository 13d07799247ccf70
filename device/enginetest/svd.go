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

// Gelss returns the minimum-norm least-squares solution of the row-major
// m × n system A·X = B (B m × nrhs) with singular values σ_i ≤ rcond·σ_max
// treated as zero, and the effective rank: LAPACK dgelss's definition,
// computed from gonum's SVD of A itself (the independent reference of the
// rank-revealing mode).
func Gelss(m, n, nrhs int, a, b []float64, rcond float64) ([]float64, int) {
	ac := append([]float64(nil), a[:m*n]...)
	k := min(m, n)
	s := make([]float64, k)
	u := make([]float64, m*k)
	vt := make([]float64, k*n)
	var impl gonum.Implementation
	work := make([]float64, 1)
	impl.Dgesvd(lapack.SVDStore, lapack.SVDStore, m, n, ac, n, s, u, k, vt, n, work, -1)
	work = make([]float64, int(work[0]))
	impl.Dgesvd(lapack.SVDStore, lapack.SVDStore, m, n, ac, n, s, u, k, vt, n, work, len(work))
	rank := 0
	for rank < k && s[rank] > rcond*s[0] && s[rank] > 0 {
		rank++
	}
	x := make([]float64, n*nrhs)
	for r := 0; r < nrhs; r++ {
		for q := 0; q < rank; q++ {
			var y float64
			for i := 0; i < m; i++ {
				y += u[i*k+q] * b[i*nrhs+r]
			}
			y /= s[q]
			for j := 0; j < n; j++ {
				x[j*nrhs+r] += vt[q*n+j] * y
			}
		}
	}
	return x, rank
}
