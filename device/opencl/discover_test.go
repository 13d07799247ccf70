package opencl_test

import (
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/opencl"
)

// TestConcurrentDiscovery: first-time device discovery from many
// goroutines at once (what parallel solvers' "auto" probes do) must not
// crash. The race is in the ICD loader's and PoCL's one-time
// initialization, so each try runs in a fresh process.
func TestConcurrentDiscovery(t *testing.T) {
	if os.Getenv("SIA_DISCOVERY_CHILD") != "" {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { _, _ = opencl.Devices() })
		}
		wg.Wait()
		return
	}
	for try := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentDiscovery$")
		cmd.Env = append(os.Environ(), "SIA_DISCOVERY_CHILD=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "try %d:\n%s", try, out)
	}
}
