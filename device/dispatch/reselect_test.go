//go:build linux

package dispatch_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/dispatch"
	"github.com/libsia/sia/device/opencl"
)

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// rssBytes returns the process's resident set size.
func rssBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	require.NoError(t, err)
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	require.NoError(t, err)
	return pages * int64(os.Getpagesize())
}

// Bounds of TestReselectReleases: growth over 1 000 reselections after a
// warm-up of 20. One engine's device objects on PoCL cost ~10 fds (its
// worker threads' eventfds and pipes) and a few MiB; a leak of every
// replaced engine passes both bounds within the first handful.
const (
	reselectFDGrowth  = 2
	reselectRSSGrowth = 24 << 20
)

// TestReselectReleases: selecting an OpenCL engine 1 000 times, closing the
// replaced dispatcher each time as sia_device_select does (and training on
// the new one every 50th time), leaves one set of device objects alive and
// the process's file descriptors and resident memory within the bounds
// above; closing the last one releases it. (Release after batches in
// flight: device/opencl's TestCloseWaitsForRunsInFlight.)
func TestReselectReleases(t *testing.T) {
	base := opencl.OpenPrograms() // engines other tests left open
	cur, err := dispatch.New("opencl", 1)
	if err != nil {
		if os.Getenv("SIA_REQUIRE_OPENCL") != "" {
			t.Fatal(err)
		}
		t.Skipf("no OpenCL: %v", err)
	}
	job := func() *device.Job {
		n, k := 9, 400 // on the device: above no threshold, kernel-supported
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
	var fd0 int
	var rss0 int64
	for i := range 1020 {
		if i == 20 {
			fd0, rss0 = openFDs(t), rssBytes(t)
		}
		next, err := dispatch.New("opencl", 1)
		require.NoError(t, err)
		cur.Close()
		cur = next
		if i%50 == 0 {
			j := job()
			cur.Run([]*device.Job{j})
			require.Zero(t, j.Info)
			require.Regexp(t, `opencl jobs: 1 on device`, cur.Describe())
		}
		require.Equal(t, max(base, 1), opencl.OpenPrograms(), "reselection %d", i)
	}
	fd1, rss1 := openFDs(t), rssBytes(t)
	t.Logf("1000 reselections: fds %d -> %d, RSS %.1f -> %.1f MiB", fd0, fd1, float64(rss0)/(1<<20), float64(rss1)/(1<<20))
	require.LessOrEqual(t, fd1-fd0, reselectFDGrowth, "open file descriptors grew")
	require.LessOrEqual(t, rss1-rss0, int64(reselectRSSGrowth), "resident memory grew")
	j := job()
	cur.Run([]*device.Job{j})
	require.Zero(t, j.Info)
	cur.Close()
	require.Equal(t, base, opencl.OpenPrograms(), "closing the last engine releases its device objects")
	j = job()
	cur.Run([]*device.Job{j}) // after Close: on the CPU engine
	require.Zero(t, j.Info)
}
