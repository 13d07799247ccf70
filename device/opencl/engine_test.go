package opencl_test

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/device/opencl"
)

// engine opens the first usable OpenCL device, or skips the test with the
// reason when there is none (CI installs PoCL so that these tests run).
func engine(t *testing.T) *opencl.Engine {
	t.Helper()
	e, err := opencl.New(opencl.Options{PlatformIndex: -1, DeviceIndex: -1, Fallback: &cpu.Engine{Workers: 1}})
	if err != nil {
		if os.Getenv("SIA_REQUIRE_OPENCL") != "" {
			t.Fatalf("SIA_REQUIRE_OPENCL is set but: %v", err)
		}
		t.Skipf("no OpenCL device: %v", err)
	}
	dev := e.Device()
	t.Logf("device: %s", dev.String())
	return e
}

// requireOnDevice fails the test unless the engine ran jobs on the device
// and none fell back to the CPU after a device failure: a test that is not
// about fallback must not pass on the CPU engine's answers.
func requireOnDevice(t *testing.T, e *opencl.Engine) {
	t.Helper()
	st := e.Stats()
	require.Positive(t, st.DeviceJobs, "no job ran on the device (last error: %q)", st.LastError)
	require.Zero(t, st.Fallbacks, "jobs fell back to the CPU after device errors: %s", st.LastError)
}

func TestColdOnDevice(t *testing.T) {
	e := engine(t)
	defer e.Close()
	enginetest.ColdTest(t, e, 4)
	requireOnDevice(t, e)
}

func TestIncreOnDevice(t *testing.T) {
	e := engine(t)
	defer e.Close()
	enginetest.IncreTest(t, e, 4)
	requireOnDevice(t, e)
}

func TestBatchOnDevice(t *testing.T) {
	e := engine(t)
	defer e.Close()
	enginetest.BatchTest(t, e)
	requireOnDevice(t, e)
}

// TestBinaryRoute exercises the FPGA route on whatever device there is:
// build from source, read CL_PROGRAM_BINARIES, load them back with
// clCreateProgramWithBinary and train with that program.
func TestBinaryRoute(t *testing.T) {
	e := engine(t)
	bin, err := e.Binary()
	e.Close()
	require.NoError(t, err)
	path := t.TempDir() + "/sia.bin"
	require.NoError(t, os.WriteFile(path, bin, 0o600))
	d := e.Device()
	e2, err := opencl.New(opencl.Options{PlatformIndex: d.PlatformIndex, DeviceIndex: d.DeviceIndex, Binary: path, Fallback: &cpu.Engine{}})
	require.NoError(t, err)
	defer e2.Close()
	enginetest.BatchTest(t, e2)
	requireOnDevice(t, e2)
	require.NoError(t, os.WriteFile(path, []byte("not a binary"), 0o600))
	_, err = opencl.New(opencl.Options{PlatformIndex: d.PlatformIndex, DeviceIndex: d.DeviceIndex, Binary: path, Fallback: &cpu.Engine{}})
	require.Error(t, err, "a wrong binary must be refused cleanly")
}

// TestFallbackAfterDeviceFailure: when launches fail (an injected device
// error at the start of every launch, e.g. a lost device), every job is
// re-run on the CPU engine, the fall-backs are counted and the error is
// reported, and the results are still exact.
func TestFallbackAfterDeviceFailure(t *testing.T) {
	e := engine(t)
	defer e.Close()
	opencl.SetFault(func() error { return errors.New("injected: device lost") })
	defer opencl.SetFault(nil)
	enginetest.BatchTest(t, e)
	st := e.Stats()
	require.Equal(t, int64(1+7+256), st.Fallbacks)
	require.Zero(t, st.DeviceJobs)
	require.Contains(t, st.LastError, "device lost")
}

// TestPanicInLaunchFallsBack: a panic inside a launch (here injected at its
// start) is recovered like a device failure: the batch's jobs re-run on the
// CPU engine, exact, and the process survives.
func TestPanicInLaunchFallsBack(t *testing.T) {
	e := engine(t)
	defer e.Close()
	opencl.SetFault(func() error { panic("injected panic in launch") })
	defer opencl.SetFault(nil)
	enginetest.BatchTest(t, e)
	st := e.Stats()
	require.Equal(t, int64(1+7+256), st.Fallbacks)
	require.Zero(t, st.DeviceJobs)
	require.Contains(t, st.LastError, "internal error: injected panic in launch")
}

// TestCloseWaitsForRunsInFlight: engines on one device share their device
// objects; closing an engine while a batch runs on it lets the batch finish
// on the device, and the objects are released only when the last engine
// using them is closed.
func TestCloseWaitsForRunsInFlight(t *testing.T) {
	base := opencl.OpenPrograms()
	e1 := engine(t)
	d := e1.Device()
	started, proceed := make(chan struct{}), make(chan struct{})
	opencl.SetFault(func() error {
		started <- struct{}{}
		<-proceed
		return nil
	})
	defer opencl.SetFault(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		enginetest.BatchTest(t, e1) // first launch blocks in the fault hook
	}()
	<-started
	e1.Close() // while its first launch is in flight
	e2, err := opencl.New(opencl.Options{PlatformIndex: d.PlatformIndex, DeviceIndex: d.DeviceIndex, Fallback: &cpu.Engine{}})
	require.NoError(t, err)
	require.Equal(t, base+1, opencl.OpenPrograms(), "e2 shares e1's device objects")
	opencl.SetFault(nil)
	close(proceed)
	<-done
	st := e1.Stats()
	require.Equal(t, int64(1), st.DeviceJobs, "the launch in flight at Close finished on the device")
	require.Equal(t, int64(7+256), st.Routed, "Runs after Close go to the fallback")
	require.Zero(t, st.Fallbacks, st.LastError)
	enginetest.BatchTest(t, e2)
	requireOnDevice(t, e2)
	e2.Close()
	require.Equal(t, base, opencl.OpenPrograms(), "the last Close released the device objects")
}
