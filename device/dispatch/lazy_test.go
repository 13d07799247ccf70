package dispatch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/dispatch"
)

// lazyJob is a fresh job of k rows of n columns: 2·k·n² flops.
func lazyJob(n, k int) *device.Job {
	a := make([]float64, k*n)
	b := make([]float64, k)
	for i := range a {
		a[i] = float64((i*7919)%1000) / 1000
	}
	for i := range b {
		b[i] = float64(i % 17)
	}
	return &device.Job{N: n, NRHS: 1, T: make([]float64, n*(n+1)), Fresh: true,
		New: device.Rows{K: k, A: a, LDA: n, B: b, LDB: 1}, RSS: make([]float64, 1), Solve: true, X: make([]float64, n)}
}

// TestAutoProbesLazily: under "auto" small jobs — run directly or through
// the batch grouping — train without looking for OpenCL; the first job of
// Crossover flops or more probes, and so does a device query. (The
// process-level check, nothing OpenCL mapped and no memory grown after a
// tiny call through libsia.so: ctest/test_lazy_load.c.)
func TestAutoProbesLazily(t *testing.T) {
	small := func() *device.Job { return lazyJob(9, 100) } // 16 200 flops
	big := func() *device.Job { return lazyJob(33, 500) }  // 1.09e6 flops
	require.Less(t, 2*100*9*9.0, dispatch.Crossover)
	require.GreaterOrEqual(t, 2*500*33*33.0, dispatch.Crossover)

	d, err := dispatch.New("auto", 2)
	require.NoError(t, err)
	defer d.Close()
	jobs := []*device.Job{small(), small()}
	d.Run(jobs)
	bytes, conc, each := d.Grouping()
	require.Positive(t, bytes)
	require.Equal(t, 2, conc)
	g := []*device.Job{small()}
	each.Run(g)
	for _, j := range append(jobs, g...) {
		require.Zero(t, j.Info)
	}
	require.False(t, d.Probed(), "small jobs probed OpenCL")

	// A large job in a group probes (and trains wherever auto routes it).
	g = []*device.Job{small(), big()}
	each.Run(g)
	require.True(t, d.Probed(), "a job of Crossover flops did not probe")
	for _, j := range g {
		require.Zero(t, j.Info)
	}

	for name, query := range map[string]func(d *dispatch.Dispatcher){
		"Run(large)": func(d *dispatch.Dispatcher) { d.Run([]*device.Job{big()}) },
		"Name":       func(d *dispatch.Dispatcher) { d.Name() },
		"Describe":   func(d *dispatch.Dispatcher) { d.Describe() },
	} {
		d, err := dispatch.New("", 1)
		require.NoError(t, err)
		require.False(t, d.Probed(), name)
		query(d)
		require.True(t, d.Probed(), name)
		d.Close()
	}

	// cpu and a closed dispatcher never probe; a closed one trains on the CPU.
	c, err := dispatch.New("cpu", 1)
	require.NoError(t, err)
	require.True(t, c.Probed())
	c.Run([]*device.Job{big()})
	require.Equal(t, "cpu", c.Name())
	a, err := dispatch.New("auto", 1)
	require.NoError(t, err)
	a.Close()
	j := big()
	a.Run([]*device.Job{j})
	require.Zero(t, j.Info)
	require.Equal(t, "cpu", a.Name())
}
