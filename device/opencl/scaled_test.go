package opencl_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/device/opencl"
)

// TestScaledInputsMatchCPU: the kernel forms its reflectors dnrm2/dlarfg-
// safely, so data scaled towards overflow (1e150 … 1e290) or underflow
// (1e-150 … 1e-290, and denormal 1e-310) trains on the device to the CPU
// engine's answer: solutions and R (divided by the scale, up to row signs)
// within 1e-12 relative (2e-11 for denormal data, which itself carries only
// about 44 bits), residual sums of squares alike where they are finite and
// normal, and no NaN anywhere. Cold (T from zero) and incremental jobs, n
// from 2 to 33, one and two right-hand sides, in one batch per scale.
func TestScaledInputsMatchCPU(t *testing.T) {
	e := engine(t)
	defer e.Close()
	ref := &cpu.Engine{Workers: 1}
	for _, scale := range []float64{1, 1e150, 1e-150, 1e200, 1e-200, 1e290, 1e-290, 1e-310} {
		t.Run(fmt.Sprintf("scale=%g", scale), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(11, math.Float64bits(scale)))
			type pair struct {
				name      string
				dev, host *device.Job
			}
			var pairs []pair
			for _, n := range []int{2, 9, 17, 33} {
				for _, fresh := range []bool{true, false} {
					nrhs := 1 + n%2
					m0, k := 2*n+3, 40+n
					p := enginetest.NewProblem(rnd, m0+k, n, nrhs, 10, 1e-2)
					for i := range p.A {
						p.A[i] *= scale
					}
					for i := range p.B {
						p.B[i] *= scale
					}
					mk := func() *device.Job {
						nc := n + nrhs
						j := &device.Job{N: n, NRHS: nrhs, T: make([]float64, n*nc), RSS: make([]float64, nrhs),
							Solve: true, X: make([]float64, n*nrhs)}
						if fresh {
							j.Fresh, j.New = true, p.Rows(0, m0+k, false, 0)
							return j
						}
						// The memo of the first m0 rows, from the CPU engine.
						cold := &device.Job{N: n, NRHS: nrhs, T: j.T, Fresh: true, New: p.Rows(0, m0, false, 0), RSS: j.RSS}
						ref.Run([]*device.Job{cold})
						require.Zero(t, cold.Info)
						j.New = p.Rows(m0, m0+k, true, 1)
						return j
					}
					pairs = append(pairs, pair{fmt.Sprintf("n=%d,nrhs=%d,fresh=%t", n, nrhs, fresh), mk(), mk()})
				}
			}
			devJobs, hostJobs := make([]*device.Job, len(pairs)), make([]*device.Job, len(pairs))
			for i, p := range pairs {
				devJobs[i], hostJobs[i] = p.dev, p.host
				require.True(t, opencl.Supports(p.dev), p.name)
			}
			before := e.Stats()
			e.Run(devJobs)
			ref.Run(hostJobs)
			after := e.Stats()
			require.Equal(t, int64(len(pairs)), after.DeviceJobs-before.DeviceJobs, "every job on the device")
			require.Equal(t, before.Fallbacks, after.Fallbacks, after.LastError)
			tol := 1e-12
			if scale < 1e-300 {
				tol = 2e-11
			}
			for _, p := range pairs {
				d, h := p.dev, p.host
				require.Zero(t, h.Info, p.name)
				require.Zero(t, d.Info, p.name)
				for _, v := range append(append(append([]float64(nil), d.T...), d.X...), d.RSS...) {
					require.False(t, math.IsNaN(v), "%s: NaN in the device's result", p.name)
				}
				nc := d.N + d.NRHS
				rd, rh := make([]float64, len(d.T)), make([]float64, len(h.T))
				for i := range d.T {
					rd[i], rh[i] = d.T[i]/scale, h.T[i]/scale
				}
				require.LessOrEqual(t, enginetest.RowSignDiff(d.N, rd, nc, rh, nc), tol, "%s: R", p.name)
				require.LessOrEqual(t, enginetest.RelDiff(d.X, h.X), tol, "%s: X", p.name)
				for q := range d.RSS {
					if rss := h.RSS[q]; rss >= 0x1p-1022 && rss <= math.MaxFloat64 {
						require.InDelta(t, 1, d.RSS[q]/rss, 1e-10, "%s: RSS %d", p.name, q)
					}
				}
			}
		})
	}
}
