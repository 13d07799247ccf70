package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkTpqrt measures the update kernel (QR of [R; A_new] with one
// right-hand side) per kernel, in GFLOP/s credited as 2·k·n².
func BenchmarkTpqrt(b *testing.B) {
	for _, n := range []int{17, 33, 65, 97, 129} {
		for _, kern := range kernels {
			b.Run(fmt.Sprintf("n=%d/kernel=%s", n, kern.name), func(b *testing.B) {
				prev := active
				active = &kern
				defer func() { active = prev }()
				nc := n + 1
				chunk := ChunkRows
				rnd := rand.New(rand.NewPCG(1, 1))
				t := make([]float64, n*nc)
				for i := 0; i < n; i++ {
					for j := i; j < nc; j++ {
						t[i*nc+j] = rnd.NormFloat64()
					}
					t[i*nc+i] += 10
				}
				src := make([]float64, chunk*nc)
				for i := range src {
					src[i] = rnd.NormFloat64()
				}
				w := make([]float64, chunk*nc)
				b.ResetTimer()
				for range b.N {
					copy(w, src)
					Tpqrt(n, nc, t, nc, chunk, w, chunk)
				}
				b.ReportMetric(2*float64(chunk)*float64(n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
