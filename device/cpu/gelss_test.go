package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/libsia/sia/device/enginetest"
)

// TestFullRank: FullRank is sound — whenever it says yes, the SVD's rank
// (NewSVD, the rank-revealing mode's definition) is n — and useful: it says
// yes on well-conditioned factors, so the mode skips the SVD there, and no
// on factors whose σ_min falls below rcond·σ_max.
func TestFullRank(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 12))
	var impl gonum.Implementation
	for _, n := range []int{1, 2, 7, 33, 65} {
		for _, kappa := range []float64{1, 1e3, 1e8, 1e11, 1e14} {
			for _, rcond := range []float64{-1, 0, 1e-12, 1e-10, 1e-6} {
				t.Run(fmt.Sprintf("n=%d/kappa=%g/rcond=%g", n, kappa, rcond), func(t *testing.T) {
					a := enginetest.Conditioned(rnd, n, n, kappa)
					tau := make([]float64, n)
					work := make([]float64, n)
					impl.Dgeqr2(n, n, a, n, tau, work) // R in a's upper triangle
					full := FullRank(n, a, n, rcond)
					rank := NewSVD(n, a, n, rcond).Rank
					if full {
						require.Equal(t, n, rank, "FullRank said yes")
					}
					eff := rcond
					if eff < 0 {
						eff = 0x1p-52
					}
					switch {
					case kappa*eff <= 1e-4: // σ_min ≫ rcond·σ_max: the shortcut must apply
						require.True(t, full, "well-conditioned, rank %d", rank)
					case rank < n:
						require.False(t, full)
					}
				})
			}
		}
	}
}
