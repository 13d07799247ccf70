package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/libsia/sia/device"
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
				chunk := chunkRows(nc)
				rnd := rand.New(rand.NewPCG(1, 1))
				t := make([]float64, n*nc)
				for i := 0; i < n; i++ {
					for j := i; j < nc; j++ {
						t[i*nc+j] = rnd.NormFloat64()
					}
					t[i*nc+i] += 10
				}
				ldw := chunk + ldPad // as the engine's blocks
				src := make([]float64, ldw*nc)
				for i := range src {
					src[i] = rnd.NormFloat64()
				}
				w := make([]float64, ldw*nc)
				b.ResetTimer()
				for range b.N {
					copy(w, src)
					Tpqrt(n, nc, t, nc, chunk, w, ldw)
				}
				b.ReportMetric(2*float64(chunk)*float64(n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkGather measures the copy of ChunkRows rows of [A | b] into the
// kernel's column-major block, from row-major (a transpose: what learned
// indexes pass) and from column-major input (a copy), in GB/s of A and b
// read. Row-major should be within a small factor of column-major.
func BenchmarkGather(b *testing.B) {
	for _, n := range []int{17, 33, 65, 129} {
		for _, col := range []bool{false, true} {
			name := "row"
			if col {
				name = "col"
			}
			b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
				k := ChunkRows
				src := device.Rows{K: k, ColMajor: col, A: make([]float64, k*n), B: make([]float64, k)}
				if col {
					src.LDA, src.LDB = k, k
				} else {
					src.LDA, src.LDB = n, 1
				}
				for i := range src.A {
					src.A[i] = float64(i)
				}
				ldw := k + ldPad
				w := make([]float64, ldw*(n+1))
				b.SetBytes(int64(8 * k * (n + 1)))
				for range b.N {
					gather(&src, 0, k, n, 1, w, ldw)
				}
			})
		}
	}
}
