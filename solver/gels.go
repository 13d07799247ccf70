package solver

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"
)

// gonumGels solves the dgels cases that are not memoized (trans 'T', or
// m < n) with gonum's Dgels, on row-major copies for column-major input, and
// returns the LAPACK result code. The arguments have been checked.
func gonumGels(g *gelsArgs) int {
	m, n, nrhs := g.m, g.n, g.nrhs
	mn := max(m, n)
	if min(m, n, nrhs) == 0 {
		zeroB(g.layout, mn, nrhs, g.b, g.ldb)
		return CodeOK
	}
	tr := blas.NoTrans
	if g.trans == 'T' || g.trans == 't' {
		tr = blas.Trans
	}
	a, lda, b, ldb := g.a, g.lda, g.b, g.ldb
	if g.layout == ColMajor {
		a, lda = make([]float64, m*n), n
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				a[i*n+j] = g.a[i+j*g.lda]
			}
		}
		b, ldb = make([]float64, mn*nrhs), nrhs
		for i := 0; i < mn; i++ {
			for r := 0; r < nrhs; r++ {
				b[i*nrhs+r] = g.b[i+r*g.ldb]
			}
		}
	}
	var impl gonum.Implementation
	var q [1]float64
	impl.Dgels(tr, m, n, nrhs, a, lda, b, ldb, q[:], -1)
	work := make([]float64, int(q[0]))
	if !impl.Dgels(tr, m, n, nrhs, a, lda, b, ldb, work, len(work)) {
		// Report the first exactly zero diagonal of the triangular factor
		// (R for m ≥ n, L for m < n), as dgels's dtrtrs does.
		for i := 0; i < min(m, n); i++ {
			if a[i*lda+i] == 0 {
				return i + 1
			}
		}
		return CodeInternal
	}
	if g.layout == ColMajor {
		for i := 0; i < mn; i++ {
			for r := 0; r < nrhs; r++ {
				g.b[i+r*g.ldb] = b[i*nrhs+r]
			}
		}
	}
	return CodeOK
}
