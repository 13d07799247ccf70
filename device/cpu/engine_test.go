package cpu_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
)

// eachKernel runs f once per kernel available on this CPU (the portable Go
// one and the assembly ones), restoring the default afterwards.
func eachKernel(t *testing.T, f func(t *testing.T)) {
	def := cpu.Kernel()
	defer func() { require.NoError(t, cpu.UseKernel(def)) }()
	ks := cpu.Kernels()
	if raceEnabled {
		ks = []string{def}
	}
	for _, k := range ks {
		require.NoError(t, cpu.UseKernel(k))
		t.Run("kernel="+k, f)
	}
}

// The whole engine suite (cold, incremental and batch jobs, on one and two
// workers) runs on every kernel against gonum's LAPACK, so a kernel whose
// result is off fails on its own name (kernel=avx2, ...); the -tags purego
// build runs it on the portable kernel alone.
func TestEngineSuite(t *testing.T) {
	suites := []struct {
		name string
		run  func(t *testing.T, e *cpu.Engine)
	}{
		{"cold", func(t *testing.T, e *cpu.Engine) { enginetest.ColdTest(t, e, 1) }},
		{"incre", func(t *testing.T, e *cpu.Engine) { enginetest.IncreTest(t, e, 1) }},
		{"batch", func(t *testing.T, e *cpu.Engine) { enginetest.BatchTestTol(t, e, 1) }},
	}
	for _, s := range suites {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/workers=%d", s.name, workers), func(t *testing.T) {
				eachKernel(t, func(t *testing.T) { s.run(t, &cpu.Engine{Workers: workers}) })
			})
		}
	}
}

func TestUseKernelUnknown(t *testing.T) {
	require.Error(t, cpu.UseKernel("no-such-kernel"))
	require.Equal(t, "go", cpu.Kernels()[0])
}

// TestDefaultKernel: the default is the last kernel listed (the assembly one
// where the CPU has it), whatever the order in which files initialize.
func TestDefaultKernel(t *testing.T) {
	ks := cpu.Kernels()
	require.Equal(t, ks[len(ks)-1], cpu.Kernel())
}
