package opencl_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/device/opencl"
)

// BenchmarkEngines measures per-job latency (batch of 1) and batch
// throughput (batch of 64) of the CPU engine (1 worker) and the OpenCL
// engine on the same update jobs, n ∈ {17, 33, 97}, k ∈ {100, 10000}; the
// µs/job metric of the two engines side by side gives the crossover that
// dispatch.Crossover encodes.
func BenchmarkEngines(b *testing.B) {
	ocl, err := opencl.New(opencl.Options{PlatformIndex: -1, DeviceIndex: -1, Fallback: &cpu.Engine{}})
	if err != nil {
		b.Skipf("no OpenCL device: %v", err)
	}
	defer ocl.Close()
	engines := []device.Engine{&cpu.Engine{Workers: 1}, ocl}
	rnd := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{17, 33, 97} {
		for _, k := range []int{100, 10000} {
			for _, batch := range []int{1, 64} {
				if k == 10000 && batch == 64 && n == 97 {
					continue // 500 MB of rows: too big for CI machines
				}
				p := enginetest.NewProblem(rnd, k, n, 1, 10, 1e-2)
				rows := p.Rows(0, k, false, 0)
				t0 := make([]float64, n*(n+1))
				for i := 0; i < n; i++ {
					t0[i*(n+1)+i] = 10
				}
				for _, e := range engines {
					b.Run(fmt.Sprintf("n=%d/k=%d/batch=%d/engine=%s", n, k, batch, e.Name()), func(b *testing.B) {
						jobs := make([]*device.Job, batch)
						for i := range jobs {
							jobs[i] = &device.Job{N: n, NRHS: 1, T: make([]float64, len(t0)), New: rows,
								RSS: make([]float64, 1), Solve: true, X: make([]float64, n)}
						}
						b.ResetTimer()
						for range b.N {
							for _, j := range jobs {
								copy(j.T, t0)
							}
							e.Run(jobs)
						}
						b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*batch), "µs/job")
					})
				}
			}
		}
	}
}
