//go:build linux

package dispatch_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/dispatch"
	"github.com/libsia/sia/device/enginetest"
)

// hostEnv returns the process's POCL_* and SIA_* variables, sorted.
func hostEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "POCL_") || strings.HasPrefix(kv, "SIA_") {
			out = append(out, kv)
		}
	}
	slices.Sort(out)
	return out
}

// saRestorer is the kernel's SA_RESTORER flag (x86-64, arm64): libc sets it,
// with its own restorer, on every sigaction call it makes.
const saRestorer = 0x04000000

// sigactions returns the disposition of signals 1-31 as the kernel records
// it (handler, flags, restorer, mask; read with rt_sigaction), reduced to
// what the host sees: the handler, the flags but SA_RESTORER, and the mask
// of a handler function. The restorer and SA_RESTORER are libc's
// bookkeeping: a disposition re-installed through libc gets them although
// the process inherited it without (nohup's SIG_IGN for SIGHUP: {SIG_IGN,
// 0, 0} at exec, {SIG_IGN, SA_RESTORER, libc's restorer} once restored),
// and for SIG_DFL and SIG_IGN the mask is never used.
func sigactions(t *testing.T) [32][4]uint64 {
	var out [32][4]uint64
	for sig := 1; sig < 32; sig++ {
		if sig == int(syscall.SIGKILL) || sig == int(syscall.SIGSTOP) {
			continue
		}
		_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0,
			uintptr(unsafe.Pointer(&out[sig])), 8, 0, 0)
		require.Zero(t, errno, "rt_sigaction(%d)", sig)
		out[sig][1] &^= saRestorer
		out[sig][2] = 0
		if out[sig][0] <= 1 { // SIG_DFL, SIG_IGN
			out[sig][3] = 0
		}
	}
	return out
}

// TestHostStateUntouched: training under "auto" (which probes the OpenCL
// devices) and on an explicit OpenCL engine leaves the host's environment
// (every POCL_* and SIA_* variable, set or unset) and its signal
// dispositions exactly as they were at the start — whatever they were:
// under nohup SIGHUP is ignored, and must stay so. It runs in a fresh process, whose
// first OpenCL calls are the ones that initialise the driver.
func TestHostStateUntouched(t *testing.T) {
	if os.Getenv("SIA_HOSTSTATE_CHILD") == "1" {
		env0, sig0 := hostEnv(), sigactions(t)
		check := func(stage string) {
			require.Equal(t, env0, hostEnv(), "%s changed the environment", stage)
			sig := sigactions(t)
			for s := range sig {
				require.Equal(t, sig0[s], sig[s], "%s changed the disposition of signal %d (%v)", stage, s, syscall.Signal(s))
			}
		}
		d, err := dispatch.New("auto", 1)
		require.NoError(t, err)
		enginetest.BatchTest(t, d)
		t.Log(d.Describe())
		check("training under auto")
		if d, err := dispatch.New("opencl", 1); err == nil {
			enginetest.BatchTest(t, d)
			require.Regexp(t, `opencl jobs: [1-9]`, d.Describe())
			check("training on OpenCL")
		} else if os.Getenv("SIA_REQUIRE_OPENCL") != "" {
			t.Fatal(err)
		}
		return
	}
	// The child's POCL_* variables are unset (what a host that knows nothing
	// of PoCL has), except one the host chose; SIA_* ones as the host set them.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "POCL_") {
			env = append(env, kv)
		}
	}
	env = append(env, "SIA_HOSTSTATE_CHILD=1", "POCL_DEBUG=0", "SIA_THREADS=1")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostStateUntouched$", "-test.v")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "--- PASS: TestHostStateUntouched", "%s", out)
}
