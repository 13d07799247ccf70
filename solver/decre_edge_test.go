package solver_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/solver"
)

// TestDecreEdge: removing one high-leverage row (1 − ‖R⁻ᵀz‖² from 1e-7 to
// 0.5) whose target is far off the fit (residual up to 1e6, on targets of
// size ~1e3) from n = 17, 2 000 rows. Each removal must either match a cold
// dgels on the remaining rows to within 10× of dgels's own error (against
// the exact solution, 300-bit arithmetic; floor ε·κ(A), the scale dgels's
// error fluctuates around) or refuse with ErrCold leaving the memo
// unchanged. Ordinary removals (α² ≥ 0.1 with a residual of the data's
// size) must not be refused.
func TestDecreEdge(t *testing.T) {
	rnd := rand.New(rand.NewPCG(31, 1))
	const m, n = 2000, 17
	for _, alpha2 := range []float64{0.9, 0.5, 0.1, 3e-2, 1e-2, 1e-3, 1e-5, 2e-6, 1e-7} {
		for _, resid := range []float64{1, 1e2, 3e3, 1e4, 1e5, 1e6} {
			t.Run(fmt.Sprintf("alpha2=%g,resid=%g", alpha2, resid), func(t *testing.T) {
				a := make([]float64, (m+1)*n)
				b := make([]float64, m+1)
				x := randn(rnd, n)
				for i := 0; i < m; i++ {
					for j := 0; j < n-1; j++ {
						a[i*n+j] = rnd.Float64() * 255
					}
					a[i*n+n-1] = 1
					for j := 0; j < n; j++ {
						b[i] += a[i*n+j] * x[j]
					}
					b[i] += rnd.NormFloat64()
				}
				// Row m: far out along a random direction, scaled so that
				// its leverage in [A; z] is 1 − alpha2.
				z := a[m*n : (m+1)*n]
				copy(z, a[(m-1)*n:m*n])
				d := randn(rnd, n)
				lev := leverage(m, n, a[:m*n], d)
				// h(c·d) in [A; c·d] = c²·l/(1 + c²·l) with l = dᵀ(AᵀA)⁻¹d.
				c := math.Sqrt((1 - alpha2) / alpha2 / lev)
				for j := range z {
					z[j] = c * d[j]
				}
				for j := 0; j < n; j++ {
					b[m] += z[j] * x[j]
				}
				b[m] += resid
				sv := solver.New()
				all := store(solver.RowMajor, m+1, n, 1, a, b, m+1, 0)
				require.NoError(t, all.cold(sv, 1, 'N'))
				before := sv.Memo(1)
				del := store(solver.RowMajor, 1, n, 1, a[m*n:], b[m:], n, 0)
				err := sv.DecreTrain(1, solver.RowMajor, 'N', 1, n, 1, del.a, del.lda, del.b, del.ldb)
				exact := exactLS(m, n, a[:m*n], b[:m])
				want, ok := enginetest.Gels('N', m, n, 1, a[:m*n], b[:m])
				require.True(t, ok)
				eQR := enginetest.RelDiff(want[:n], exact)
				// dgels's error fluctuates around ε·κ(A); the floor is
				// that scale (κ from the singular values).
				floor := 0x1p-53 * cond(m, n, a[:m*n])
				if err != nil {
					require.ErrorIs(t, err, solver.ErrCold)
					require.Equal(t, before, sv.Memo(1), "a refusal must leave the memo unchanged")
					t.Logf("| %g | %g | refused (SIA_ECOLD) | %.1e | %.1e |", alpha2, resid, eQR, floor)
					require.False(t, alpha2 >= 0.1 && resid <= 1e2, "refused an ordinary removal")
					return
				}
				e := enginetest.RelDiff(del.bRow(n), exact)
				t.Logf("| %g | %g | %.1e | %.1e | %.1e |", alpha2, resid, e, eQR, floor)
				require.LessOrEqual(t, e, 10*max(eQR, floor))
			})
		}
	}
}

// cond returns the 2-norm condition number of the m × n row-major a.
func cond(m, n int, a []float64) float64 {
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(m, n, append([]float64(nil), a...)), mat.SVDNone) {
		return math.Inf(1)
	}
	s := svd.Values(nil)
	return s[0] / s[len(s)-1]
}

// leverage returns dᵀ(AᵀA)⁻¹d for the m × n row-major A.
func leverage(m, n int, a, d []float64) float64 {
	g := make([]float64, n*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for k := 0; k < n; k++ {
				g[j*n+k] += a[i*n+j] * a[i*n+k]
			}
		}
	}
	// Solve G·y = d by Gaussian elimination with partial pivoting.
	aug := make([]float64, n*(n+1))
	for j := 0; j < n; j++ {
		copy(aug[j*(n+1):], g[j*n:(j+1)*n])
		aug[j*(n+1)+n] = d[j]
	}
	for k := 0; k < n; k++ {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(aug[i*(n+1)+k]) > math.Abs(aug[p*(n+1)+k]) {
				p = i
			}
		}
		for j := 0; j <= n; j++ {
			aug[k*(n+1)+j], aug[p*(n+1)+j] = aug[p*(n+1)+j], aug[k*(n+1)+j]
		}
		for i := k + 1; i < n; i++ {
			f := aug[i*(n+1)+k] / aug[k*(n+1)+k]
			for j := k; j <= n; j++ {
				aug[i*(n+1)+j] -= f * aug[k*(n+1)+j]
			}
		}
	}
	y := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := aug[i*(n+1)+n]
		for j := i + 1; j < n; j++ {
			s -= aug[i*(n+1)+j] * y[j]
		}
		y[i] = s / aug[i*(n+1)+i]
	}
	var l float64
	for j := range d {
		l += d[j] * y[j]
	}
	return l
}

// TestDecreFarTarget pins the far-target rule where its two parts meet:
// the rotations amplify errors like 1/α² (α² = 1 − the removed row's
// leverage, refused below 1e-2) and a far-off target adds |ζ|/(α·cn) (ζ the
// row's transformed residual, e/α for its residual e in the full fit; cn
// what remains of Qᵀb), so a row is refused when |ζ| > cn or when the two
// together pass 100. One column of ones (100 rows, targets 1: cn = 10) and
// a removed row of leverage 0.9895 (1/α² ≈ 95.2) whose target puts |ζ| at
// 6 (95.2 + 5.9: refused, though |ζ| < cn and α² > 1e-2) or at 2 (95.2 +
// 2.0: removed, matching a cold fit of the 100 rows); at leverage 0.98
// (1/α² = 50) even |ζ| = 6 is removed.
func TestDecreFarTarget(t *testing.T) {
	const m = 100
	for _, tc := range []struct {
		alpha2, zeta float64
		refused      bool
	}{{0.0105, 6, true}, {0.0105, 2, false}, {0.02, 6, false}} {
		t.Run(fmt.Sprintf("alpha2=%g/zeta=%g", tc.alpha2, tc.zeta), func(t *testing.T) {
			// Leverage c²/(m + c²) = 1 − α²; e = y − c·x_full with
			// x_full = (m + c·y)/(m + c²).
			c := math.Sqrt(m * (1 - tc.alpha2) / tc.alpha2)
			e := tc.zeta * math.Sqrt(tc.alpha2)
			y := (e + c*m/(m+c*c)) / (1 - c*c/(m+c*c))
			a := make([]float64, m+1)
			b := make([]float64, m+1)
			for i := range a {
				a[i], b[i] = 1, 1
			}
			a[m], b[m] = c, y
			sv := solver.New()
			require.NoError(t, sv.ColdTrain(1, solver.RowMajor, 'N', m+1, 1, 1, append([]float64(nil), a...), 1, append([]float64(nil), b...), 1))
			before := sv.Memo(1)
			x := []float64{y}
			err := sv.DecreTrain(1, solver.RowMajor, 'N', 1, 1, 1, []float64{c}, 1, x, 1)
			if tc.refused {
				require.ErrorIs(t, err, solver.ErrCold)
				require.Equal(t, before, sv.Memo(1), "a refusal must leave the memo unchanged")
				return
			}
			require.NoError(t, err)
			require.InDelta(t, 1, x[0], 1e-12, "the mean of the 100 remaining targets")
		})
	}
}
