package solver_test

import (
	"math/big"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/solver"
)

// exactLS solves the normal equations AᵀA·x = Aᵀb in 300-bit arithmetic:
// exact to double precision for the conditions tested (κ² ≤ 1e16 ≪ 2³⁰⁰).
func exactLS(m, n int, a, b []float64) []float64 {
	prec := uint(300)
	nf := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	G := make([][]*big.Float, n)
	for i := range G {
		G[i] = make([]*big.Float, n+1)
		for j := range G[i] {
			G[i][j] = nf(0)
		}
	}
	t := new(big.Float).SetPrec(prec)
	for r := 0; r < m; r++ {
		for i := 0; i < n; i++ {
			ai := nf(a[r*n+i])
			for j := i; j < n; j++ {
				t.Mul(ai, nf(a[r*n+j]))
				G[i][j].Add(G[i][j], t)
			}
			t.Mul(ai, nf(b[r]))
			G[i][n].Add(G[i][n], t)
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			G[i][j].Set(G[j][i])
		}
	}
	for k := 0; k < n; k++ {
		for i := k + 1; i < n; i++ {
			f := new(big.Float).SetPrec(prec).Quo(G[i][k], G[k][k])
			for j := k; j <= n; j++ {
				t.Mul(f, G[k][j])
				G[i][j].Sub(G[i][j], t)
			}
		}
	}
	x := make([]*big.Float, n)
	for i := n - 1; i >= 0; i-- {
		s := new(big.Float).SetPrec(prec).Set(G[i][n])
		for j := i + 1; j < n; j++ {
			t.Mul(G[i][j], x[j])
			s.Sub(s, t)
		}
		x[i] = s.Quo(s, G[i][i])
	}
	out := make([]float64, n)
	for i := range x {
		out[i], _ = x[i].Float64()
	}
	return out
}

// TestAccuracyAgainstExact compares libsia's and gonum's least-squares
// solutions with the exact one (normal equations in 300-bit arithmetic) on
// nearly consistent problems of condition 1e4 to 1e8: libsia must be as
// accurate as gonum (within 4× its error, or 1e-13) and within the κ·ε
// bound. The README's accuracy table comes from this test (go test -v -run
// AccuracyAgainstExact ./solver; larger shapes with SIA_ACCURACY_FULL=1).
func TestAccuracyAgainstExact(t *testing.T) {
	rnd := rand.New(rand.NewPCG(10, 1))
	shapes := [][2]int{{330, 33}, {2000, 17}}
	if os.Getenv("SIA_ACCURACY_FULL") != "" {
		shapes = [][2]int{{330, 33}, {2000, 33}, {20000, 33}, {970, 97}, {2000, 97}}
	}
	for _, c := range shapes {
		for _, kappa := range []float64{1e4, 1e6, 1e8} {
			p := enginetest.NewProblem(rnd, c[0], c[1], 1, kappa, 1e-9)
			ex := exactLS(p.M, p.N, p.A, p.B)
			g, _ := enginetest.Gels('N', p.M, p.N, 1, p.A, p.B)
			b := append([]float64(nil), p.B...)
			a := append([]float64(nil), p.A...)
			require.NoError(t, solver.New().ColdTrain(-1, solver.RowMajor, 'N', p.M, p.N, 1, a, p.N, b, 1))
			eG, eS := enginetest.RelDiff(g[:p.N], ex), enginetest.RelDiff(b[:p.N], ex)
			t.Logf("| %d × %d | %g | %.1e | %.1e |", p.M, p.N, kappa, eS, eG)
			require.LessOrEqual(t, eS, max(4*eG, 1e-13))
			require.LessOrEqual(t, eS, 16*float64(p.N)*kappa*0x1p-53)
		}
	}
}
