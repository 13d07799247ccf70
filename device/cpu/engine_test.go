package cpu_test

import (
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
	for _, k := range cpu.Kernels() {
		require.NoError(t, cpu.UseKernel(k))
		t.Run("kernel="+k, f)
	}
}

func TestColdOneWorker(t *testing.T) {
	eachKernel(t, func(t *testing.T) { enginetest.ColdTest(t, &cpu.Engine{Workers: 1}, 1) })
}

func TestColdTwoWorkers(t *testing.T) { enginetest.ColdTest(t, &cpu.Engine{Workers: 2}, 1) }

func TestIncreOneWorker(t *testing.T) {
	eachKernel(t, func(t *testing.T) { enginetest.IncreTest(t, &cpu.Engine{Workers: 1}, 1) })
}

func TestIncreTwoWorkers(t *testing.T) { enginetest.IncreTest(t, &cpu.Engine{Workers: 2}, 1) }

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
