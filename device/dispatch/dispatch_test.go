package dispatch_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/dispatch"
	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/device/opencl"
)

func TestCPU(t *testing.T) {
	d, err := dispatch.New("cpu", 2)
	require.NoError(t, err)
	require.Equal(t, "cpu", d.Name())
	enginetest.BatchTest(t, d)
	require.Contains(t, d.Describe(), "selection: cpu -> cpu")
}

func TestBadSpecs(t *testing.T) {
	for _, spec := range []string{"gpu", "opencl:x:1", "opencl:1", "opencl:-1:0"} {
		_, err := dispatch.New(spec, 1)
		require.Error(t, err, spec)
	}
}

// TestAuto: auto never picks a CPU-type OpenCL device (PoCL), and trains
// correctly whatever it picks.
func TestAuto(t *testing.T) {
	d, err := dispatch.New("", 1)
	require.NoError(t, err)
	devs, _ := opencl.Devices()
	accel := false
	for _, dv := range devs {
		accel = accel || dv.Type&(opencl.TypeAccelerator|opencl.TypeGPU) != 0
	}
	if !accel {
		require.Equal(t, "cpu", d.Name())
	}
	enginetest.BatchTest(t, d)
	t.Log(d.Describe())
}

// TestExplicitOpenCL runs the batch suite through an explicit OpenCL
// selection when a device exists.
func TestExplicitOpenCL(t *testing.T) {
	d, err := dispatch.New("opencl", 1)
	if err != nil {
		if os.Getenv("SIA_REQUIRE_OPENCL") != "" {
			t.Fatal(err)
		}
		t.Skipf("no OpenCL: %v", err)
	}
	defer d.Close()
	require.True(t, strings.HasPrefix(d.Name(), "opencl:"))
	enginetest.BatchTest(t, d)
	desc := d.Describe()
	// The batch must have run on the device, not on the CPU fallback.
	require.Regexp(t, `opencl jobs: [1-9][0-9]* on device, [0-9]+ routed to cpu \(unsupported\), 0 fallbacks`, desc)
	d2, err := dispatch.New("opencl:0:0", 1)
	require.NoError(t, err)
	defer d2.Close()
	require.Equal(t, "opencl:0:0", d2.Name())
	_, err = dispatch.New("opencl:9:9", 1)
	require.ErrorContains(t, err, "no device 9:9")
}

// TestNoOpenCL re-runs this test binary with the ICD loader made
// unloadable: auto must select the CPU cleanly and an explicit opencl
// request must fail with a clear error.
func TestNoOpenCL(t *testing.T) {
	if os.Getenv("SIA_DISPATCH_CHILD") == "1" {
		d, err := dispatch.New("auto", 1)
		require.NoError(t, err)
		require.Equal(t, "cpu", d.Name())
		require.Contains(t, d.Describe(), "no OpenCL ICD loader")
		enginetest.BatchTest(t, d)
		_, err = dispatch.New("opencl", 1)
		require.ErrorContains(t, err, "no OpenCL ICD loader")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoOpenCL$", "-test.v")
	cmd.Env = append(os.Environ(), "SIA_DISPATCH_CHILD=1", "SIA_OPENCL_LIB=/nonexistent/libOpenCL.so.1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "--- PASS: TestNoOpenCL")
}
