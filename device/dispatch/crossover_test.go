package dispatch_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/dispatch"
)

// TestAutoCrossover: with a device found (a fake one, so that the routing
// is tested on every machine), "auto" keeps jobs under Crossover flops
// (2·k·n²) on the CPU and sends those of Crossover or more to the device,
// within one batch; an explicit "opencl" selection sends every job to the
// device. Every job trains either way.
func TestAutoCrossover(t *testing.T) {
	const n = 10 // 2·k·n² = 200·k flops
	require.Equal(t, 1e6, dispatch.Crossover)
	for _, tc := range []struct {
		spec      string
		ks        []int
		onDevice  []bool
		keptOnCPU int
	}{
		{"auto", []int{10, 4999, 5000, 5001, 20000}, []bool{false, false, true, true, true}, 2},
		{"auto", []int{4999, 4999}, []bool{false, false}, 2},
		{"auto", []int{5000}, []bool{true}, 0},
		{"opencl", []int{10, 4999, 5000}, []bool{true, true, true}, 0},
	} {
		t.Run(fmt.Sprintf("%s/k=%v", tc.spec, tc.ks), func(t *testing.T) {
			f := &dispatch.FakeDevice{}
			d := dispatch.NewWithDevice(tc.spec, 1, f)
			require.Equal(t, "fake:0:0", d.Name())
			var jobs []*device.Job
			for _, k := range tc.ks {
				jobs = append(jobs, lazyJob(n, k))
			}
			// Through the grouping a solver uses, as one batch.
			_, _, each := d.Grouping()
			each.Run(jobs)
			for i, j := range jobs {
				require.Zero(t, j.Info, "job %d", i)
				require.Equal(t, tc.onDevice[i], contains(f.Jobs, j), "job %d (k = %d, %g flops): on the device", i, tc.ks[i], 2*float64(tc.ks[i])*n*n)
			}
			if tc.spec == "auto" {
				require.Contains(t, d.Describe(), fmt.Sprintf("%d kept on cpu (below crossover)", tc.keptOnCPU))
			}
		})
	}
}

func contains(jobs []*device.Job, j *device.Job) bool {
	for _, x := range jobs {
		if x == j {
			return true
		}
	}
	return false
}
