package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/libsia/sia/device"
)

// BenchmarkShiftedPasses times the two passes of a shifted solve over
// 100 000 row-major rows (Aᵀb with the scan of A, and one double-double
// correction) on every kernel, in ns per row, and beside them the engine's
// cold factorization and solve of the same rows (what cold_train and the
// shifted call's refit route run): the two passes are the floor of the
// corrected route, so (atb + resdd) / cold bounds its ratio to a cold fit
// from below.
func BenchmarkShiftedPasses(b *testing.B) {
	const m = 100000
	for _, n := range []int{17, 33, 65, 129} {
		rnd := rand.New(rand.NewPCG(1, uint64(n)))
		a := make([]float64, m*n)
		for i := range a {
			a[i] = float64(rnd.IntN(256))
		}
		t := make([]float64, m)
		for i := range t {
			t[i] = float64(i)
		}
		all := &device.Rows{K: m, A: a, LDA: n, B: t, LDB: 1}
		g := make([]float64, 2*n)
		x := make([]float64, n)
		for i := range x {
			x[i] = rnd.Float64()
		}
		for _, name := range Kernels() {
			b.Run(fmt.Sprintf("cold/n=%d/%s", n, name), func(b *testing.B) {
				defer useKernel(b, name)()
				tt, rss, xx := make([]float64, n*(n+1)), make([]float64, 1), make([]float64, n)
				for b.Loop() {
					job := &device.Job{N: n, NRHS: 1, T: tt, Fresh: true, New: *all, RSS: rss, Solve: true, X: xx}
					(&Engine{Workers: 1}).Run([]*device.Job{job})
					if job.Info != 0 {
						b.Fatal(job.Info)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/m, "ns/row")
			})
			b.Run(fmt.Sprintf("atb/n=%d/%s", n, name), func(b *testing.B) {
				defer useKernel(b, name)()
				for b.Loop() {
					atb(all, n, 0, g[:n], true)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/m, "ns/row")
			})
			b.Run(fmt.Sprintf("resdd/n=%d/%s", n, name), func(b *testing.B) {
				defer useKernel(b, name)()
				for b.Loop() {
					residualDD(all, n, 0, x, g)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/m, "ns/row")
			})
		}
	}
}

// useKernel makes name the active kernel and returns a function restoring
// the previous one.
func useKernel(tb testing.TB, name string) func() {
	prev := active
	if err := UseKernel(name); err != nil {
		tb.Fatal(err)
	}
	return func() { active = prev }
}
