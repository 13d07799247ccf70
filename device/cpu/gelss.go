package cpu

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// SVD is the singular value decomposition R = U·diag(S)·Vᵀ of an n × n
// triangular factor, with the rank decided by a threshold.
type SVD struct {
	N    int
	U    []float64 // n × n row-major
	S    []float64 // decreasing
	VT   []float64 // n × n row-major
	Rank int       // number of S[i] > rcond·S[0]
}

// FullRank reports whether the n × n upper triangle R of t (leading
// dimension ldt) certainly has every singular value above rcond·σ_max
// (rcond < 0: machine precision, as NewSVD), so that the minimum-norm
// solution NewSVD's Solve would give is R⁻¹·Qᵀb and its rank n: since
// σ_min ≥ 1/‖R⁻¹‖_F and σ_max ≤ ‖R‖_F, that holds when
// 1/‖R⁻¹‖_F > rcond·‖R‖_F. R is inverted by dtrtri, O(n³/3) — about a
// tenth of the SVD's cost, which the rank-revealing mode then skips. False
// (take the SVD) when R is singular or the norms overflow.
func FullRank(n int, t []float64, ldt int, rcond float64) bool {
	if rcond < 0 {
		rcond = 0x1p-52
	}
	a := make([]float64, n*n)
	var rf, inv float64
	for i := 0; i < n; i++ {
		row := t[i*ldt+i : i*ldt+n]
		copy(a[i*n+i:i*n+n], row)
		rf += sumsq(row)
	}
	var impl gonum.Implementation
	if !impl.Dtrtri(blas.Upper, blas.NonUnit, n, a, n) {
		return false
	}
	for i := 0; i < n; i++ {
		inv += sumsq(a[i*n+i : i*n+n])
	}
	return inv > 0 && !math.IsInf(inv, 0) && !math.IsInf(rf, 0) && 1/math.Sqrt(inv) > rcond*math.Sqrt(rf)
}

// NewSVD computes the SVD of the n × n upper triangle of the augmented
// factor T (leading dimension ldt; the strictly lower part is read as zero)
// with gonum's Dgesvd, O(n³), and counts the singular values above
// rcond·σ_max, as LAPACK's dgelss does (rcond < 0 means machine precision).
func NewSVD(n int, t []float64, ldt int, rcond float64) *SVD {
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		copy(a[i*n+i:i*n+n], t[i*ldt+i:i*ldt+n])
	}
	d := &SVD{N: n, U: make([]float64, n*n), S: make([]float64, n), VT: make([]float64, n*n)}
	var impl gonum.Implementation
	work := make([]float64, 1)
	impl.Dgesvd(lapack.SVDAll, lapack.SVDAll, n, n, a, n, d.S, d.U, n, d.VT, n, work, -1)
	work = make([]float64, int(work[0]))
	if !impl.Dgesvd(lapack.SVDAll, lapack.SVDAll, n, n, a, n, d.S, d.U, n, d.VT, n, work, len(work)) {
		// Dgesvd did not converge (never seen on triangular input): treat
		// every value as unreliable rather than returning garbage.
		d.Rank = 0
		return d
	}
	if rcond < 0 {
		rcond = 0x1p-52
	}
	thr := rcond * d.S[0]
	for d.Rank < n && d.S[d.Rank] > thr && d.S[d.Rank] > 0 {
		d.Rank++
	}
	return d
}

// Solve computes the minimum-norm solution X = V·Σ⁺·Uᵀ·C of R·X = C for the
// n × nrhs row-major C (leading dimension ldc), writing X (leading dimension
// ldx). Singular values beyond Rank count as zero. This is the solution
// LAPACK's dgelss returns for A when R is A's triangular factor and C = Qᵀb.
func (d *SVD) Solve(nrhs int, c []float64, ldc int, x []float64, ldx int) {
	n := d.N
	y := make([]float64, d.Rank)
	for r := 0; r < nrhs; r++ {
		for k := 0; k < d.Rank; k++ {
			var s float64
			for i := 0; i < n; i++ {
				s += d.U[i*n+k] * c[i*ldc+r]
			}
			y[k] = s / d.S[k]
		}
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < d.Rank; k++ {
				s += d.VT[k*n+j] * y[k]
			}
			x[j*ldx+r] = s
		}
	}
}

// SolveNormal computes X = (RᵀR)⁺·G = V·Σ⁺²·Vᵀ·G for the n × nrhs row-major
// G, the minimum-norm solution of the normal equations AᵀA·X = G when R is
// A's triangular factor, over the first Rank singular values.
func (d *SVD) SolveNormal(nrhs int, g []float64, ldg int, x []float64, ldx int) {
	n := d.N
	y := make([]float64, d.Rank)
	for r := 0; r < nrhs; r++ {
		for k := 0; k < d.Rank; k++ {
			var s float64
			for j := 0; j < n; j++ {
				s += d.VT[k*n+j] * g[j*ldg+r]
			}
			y[k] = s / (d.S[k] * d.S[k])
		}
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < d.Rank; k++ {
				s += d.VT[k*n+j] * y[k]
			}
			x[j*ldx+r] = s
		}
	}
}
