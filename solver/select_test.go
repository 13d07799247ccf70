package solver_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/opencl"
	"github.com/libsia/sia/solver"
)

// TestSelectDeviceClosesTheReplacedEngine: reselecting an OpenCL device
// through the Go API releases the replaced engine's device objects (as the
// C API's sia_device_select does), so 50 reselections leave one set alive,
// and training on the current selection still works.
func TestSelectDeviceClosesTheReplacedEngine(t *testing.T) {
	base := opencl.OpenPrograms()
	sv := solver.New()
	if err := sv.SelectDevice("opencl"); err != nil {
		if os.Getenv("SIA_REQUIRE_OPENCL") != "" {
			t.Fatal(err)
		}
		t.Skipf("no OpenCL: %v", err)
	}
	const n, m = 5, 300
	a := make([]float64, m*n)
	b := make([]float64, m)
	for i := range b {
		for j := 0; j < n; j++ {
			a[i*n+j] = float64((i*31+j*17)%97) / 97
		}
		b[i] = float64(i)
	}
	for i := range 50 {
		require.NoError(t, sv.SelectDevice("opencl"))
		if i%10 == 0 {
			ac, bc := append([]float64(nil), a...), append([]float64(nil), b...)
			require.NoError(t, sv.ColdTrain(1, solver.RowMajor, 'N', m, n, 1, ac, n, bc, 1))
		}
	}
	require.LessOrEqual(t, opencl.OpenPrograms()-base, 1, "replaced engines still hold their device objects")
	require.NoError(t, sv.SelectDevice("cpu"))
	require.Equal(t, base, opencl.OpenPrograms(), "selecting cpu released the last OpenCL engine")
}
