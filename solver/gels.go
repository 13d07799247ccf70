package solver

import (
	"math"

	"github.com/libsia/sia/device/cpu"
)

// gels solves the dgels cases that are never memoized — trans 'T', or
// m < n — as reference LAPACK's dgels does, on a column-major copy:
//
//	trans 'N', m < n: minimum norm, from the QR of Aᵀ (A's LQ);
//	trans 'T', m ≥ n: minimum norm, from the QR of A;
//	trans 'T', m < n: least squares, from the QR of Aᵀ.
//
// With dgels's scaling: the largest magnitudes of A and of B's first
// m (trans 'N') or n (trans 'T') rows decide; outside [smlnum, bignum] the
// data are scaled by a power of two to the nearer bound, and the scaling is
// undone on the solution (and, unlike dgels, on the residual rows too). An all-zero A
// gives the zero solution. It returns the LAPACK result code; on i > 0 b is
// not written. The arguments have been checked.
func (s *Solver) gels(g *gelsArgs) int {
	m, n, nrhs := g.m, g.n, g.nrhs
	mn := max(m, n)
	if min(m, n, nrhs) == 0 || g.anrm == 0 {
		zeroB(g.layout, mn, nrhs, g.b, g.ldb)
		return CodeOK
	}
	col := g.layout == ColMajor
	tr := g.trans == 'T' || g.trans == 't'
	brow := m
	if tr {
		brow = n
	}
	bnrm, _ := scan(g.layout, brow, nrhs, g.b, g.ldb)
	ea, eb := scaleExp(g.anrm, smlnum, bignum), scaleExp(bnrm, smlnum, bignum)
	// C (p × q, p ≥ q) is A or Aᵀ; the least-squares cases have C·X ≈ B,
	// the minimum-norm ones Cᵀ·X = B.
	p, q := m, n
	transC := m < n // C = Aᵀ
	if transC {
		p, q = n, m
	}
	minNorm := tr == (m >= n)
	w := make([]float64, p*(q+nrhs))
	for j := 0; j < q; j++ {
		for i := 0; i < p; i++ {
			ai, aj := i, j
			if transC {
				ai, aj = j, i
			}
			w[i+j*p] = scale2(g.a[elem(col, ai, aj, g.lda)], ea)
		}
	}
	rows := p // B's rows read: p for least squares, q for minimum norm
	if minNorm {
		rows = q
	}
	for r := 0; r < nrhs; r++ {
		for i := 0; i < rows; i++ {
			w[i+(q+r)*p] = scale2(g.b[elem(col, i, r, g.ldb)], eb)
		}
	}
	if info := cpu.GelsQR(p, q, nrhs, w, p, minNorm); info != 0 {
		return info
	}
	// X (q rows for least squares, p for minimum norm) scaled by 2^(ea−eb),
	// the residual rows q..p-1 of least squares by 2^−eb.
	xrows := q
	if minNorm {
		xrows = p
	}
	for r := 0; r < nrhs; r++ {
		for i := 0; i < p; i++ {
			e := ea - eb
			if i >= xrows {
				e = -eb
			}
			g.b[elem(col, i, r, g.ldb)] = scale2(w[i+(q+r)*p], e)
		}
	}
	return CodeOK
}

// scale2 returns x·2^e exactly (math.Ldexp), skipping the call in the
// common case e = 0.
func scale2(x float64, e int) float64 {
	if e == 0 {
		return x
	}
	return math.Ldexp(x, e)
}
