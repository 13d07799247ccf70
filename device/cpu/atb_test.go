package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
)

// TestAtbScan: the shifted solve's first pass (atb with its scan of A), on
// every kernel and both layouts, for widths and row counts around the
// kernels' vector lengths and four-row groups, with NaN in the padding:
// Aᵀb as a plain loop gives it, max |A| exactly — a largest entry (of
// either sign) in any row and column, the leftover rows included — and NaN
// when A holds a NaN or ±Inf anywhere, whatever b is there (0 included).
func TestAtbScan(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 9))
	prev := active
	defer func() { active = prev }()
	for ki := range kernels {
		active = &kernels[ki]
		for _, col := range []bool{false, true} {
			for _, n := range []int{1, 3, 4, 5, 8, 9, 17} {
				for _, k := range []int{1, 4, 5, 7, 18, 2051} {
					t.Run(fmt.Sprintf("%s/col=%v/n=%d/k=%d", kernels[ki].name, col, n, k), func(t *testing.T) {
						lda := n + 2
						if col {
							lda = k + 2
						}
						at := func(i, j int) int {
							if col {
								return i + j*lda
							}
							return i*lda + j
						}
						a := make([]float64, at(k-1, n-1)+3)
						for i := range a {
							a[i] = math.NaN() // padding: never read
						}
						b := make([]float64, k)
						for i := 0; i < k; i++ {
							for j := 0; j < n; j++ {
								a[at(i, j)] = rnd.Float64()*2 - 1
							}
							if i%3 != 0 {
								b[i] = rnd.NormFloat64()
							}
						}
						all := &device.Rows{K: k, ColMajor: col, A: a, LDA: lda, B: b, LDB: 1}
						if col {
							all.LDB = k
						}
						g := make([]float64, n)
						for _, p := range [][2]int{{0, 0}, {k - 1, n - 1}, {k / 2, n / 2}, {k - 1, 0}} {
							for _, v := range []float64{7.5, -7.5, math.NaN(), math.Inf(1), math.Inf(-1)} {
								old := a[at(p[0], p[1])]
								a[at(p[0], p[1])] = v
								_, amax := atb(all, n, 0, g, true)
								a[at(p[0], p[1])] = old
								if math.IsNaN(v) || math.IsInf(v, 0) {
									require.True(t, math.IsNaN(amax), "%g at %v: amax %g, want NaN", v, p, amax)
									continue
								}
								require.Equal(t, 7.5, amax, "%g at %v", v, p)
							}
						}
						_, amax := atb(all, n, 0, g, true)
						want := 0.0
						for i := 0; i < k; i++ {
							for j := 0; j < n; j++ {
								want = max(want, math.Abs(a[at(i, j)]))
							}
						}
						require.Equal(t, want, amax)
						for j := 0; j < n; j++ {
							s := 0.0
							for i := 0; i < k; i++ {
								s += a[at(i, j)] * b[i]
							}
							require.InDelta(t, s, g[j], 1e-12*float64(k), "g[%d]", j)
						}
					})
				}
			}
		}
	}
}
