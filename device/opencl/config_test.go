package opencl_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/device/opencl"
)

// gpuLike are GPU configurations run on whatever device there is (PoCL in
// CI): what ConfigFor gives a GPU with 48 KiB of local memory, and a small
// one that packs up to 16 jobs per work-group and reduces columns four at a
// time, so that every path of the GPU layout (strided rows, packed jobs of
// different sizes in one group, column tiles) is exercised.
var gpuLike = []opencl.Config{
	opencl.GPUConfig(1024, 48<<10),
	{WorkGroup: 64, CTile: 4, Strided: true, SubMin: 4},
}

// engineWith opens the first usable device with configuration cfg, like
// engine.
func engineWith(t *testing.T, cfg opencl.Config) *opencl.Engine {
	t.Helper()
	e, err := opencl.New(opencl.Options{PlatformIndex: -1, DeviceIndex: -1, Config: &cfg, Fallback: &cpu.Engine{Workers: 1}})
	if err != nil {
		if os.Getenv("SIA_REQUIRE_OPENCL") != "" {
			t.Fatalf("SIA_REQUIRE_OPENCL is set but: %v", err)
		}
		t.Skipf("no OpenCL device: %v", err)
	}
	require.Equal(t, cfg, e.Config(), "the program reports the configuration it was built with")
	return e
}

// TestGPUConfigOnDevice: the shared engine suite (cold, incremental
// chains, batches of 1, 7 and 256 mixed jobs with one singular job) passes
// in the GPU configurations; small jobs are packed several to a
// work-group; and the program's binary, loaded back, reports the same
// configuration (read from its sia_config kernel) and trains alike.
//
// Under -short (make test's race run) only the small configuration runs:
// it takes every path of the layout; the 256-work-item one is slow on PoCL.
func TestGPUConfigOnDevice(t *testing.T) {
	configs := gpuLike
	if testing.Short() {
		configs = gpuLike[1:]
	}
	for _, cfg := range configs {
		t.Run(cfg.BuildOptions(), func(t *testing.T) {
			e := engineWith(t, cfg)
			defer e.Close()
			enginetest.ColdTest(t, e, 4)
			enginetest.IncreTest(t, e, 4)
			enginetest.BatchTest(t, e)
			requireOnDevice(t, e)
			st := e.Stats()
			require.Less(t, st.Groups, st.DeviceJobs, "small jobs share work-groups")

			bin, err := e.Binary()
			require.NoError(t, err)
			path := t.TempDir() + "/sia.bin"
			require.NoError(t, os.WriteFile(path, bin, 0o600))
			d := e.Device()
			e2, err := opencl.New(opencl.Options{PlatformIndex: d.PlatformIndex, DeviceIndex: d.DeviceIndex, Binary: path, Fallback: &cpu.Engine{}})
			require.NoError(t, err)
			defer e2.Close()
			require.Equal(t, cfg, e2.Config(), "a binary's configuration is read back from it")
			enginetest.BatchTest(t, e2)
			requireOnDevice(t, e2)
		})
	}
}

// TestConfigFor: accelerators (FPGAs: offline binaries) and CPU-type
// devices keep the default configuration, whose compiler options are those
// FPGA binaries are built with; GPUs get 256 work-items per group (fewer
// when the device allows fewer), strided rows, packing down to 32
// work-items per job and the widest column tile whose local memory fits.
func TestConfigFor(t *testing.T) {
	def := opencl.DefaultConfig()
	require.Equal(t, "-cl-std=CL1.2 -DSIA_WG=16 -DSIA_NCMAX=256", def.BuildOptions())
	require.Equal(t, opencl.BuildOptions, def.BuildOptions())
	require.Equal(t, uint64(34880), def.LocalBytes())
	acc := opencl.Device{Type: opencl.TypeAccelerator, MaxWorkGroup: 4096, LocalMem: 1 << 20}
	require.Equal(t, def, opencl.ConfigFor(acc))
	cpuDev := opencl.Device{Type: opencl.TypeCPU, MaxWorkGroup: 4096, LocalMem: 2 << 20}
	require.Equal(t, def, opencl.ConfigFor(cpuDev))

	gpu := opencl.Device{Type: opencl.TypeGPU, MaxWorkGroup: 1024, LocalMem: 48 << 10}
	c := opencl.ConfigFor(gpu)
	require.Equal(t, opencl.Config{WorkGroup: 256, CTile: 16, Strided: true, SubMin: 32}, c)
	require.LessOrEqual(t, c.LocalBytes(), gpu.LocalMem)
	require.Equal(t, "-cl-std=CL1.2 -DSIA_WG=256 -DSIA_NCMAX=256 -DSIA_CTILE=16 -DSIA_STRIDED=1 -DSIA_SUBMIN=32", c.BuildOptions())
	gpu.MaxWorkGroup = 128
	require.Equal(t, opencl.Config{WorkGroup: 128, CTile: 32, Strided: true, SubMin: 32}, opencl.ConfigFor(gpu))
	gpu.MaxWorkGroup, gpu.LocalMem = 1024, 16<<10
	c = opencl.ConfigFor(gpu)
	require.LessOrEqual(t, c.LocalBytes(), gpu.LocalMem)
	require.Equal(t, opencl.Config{WorkGroup: 256, CTile: 4, Strided: true, SubMin: 32}, c)

	// Work-items per job: the default configuration never packs; the GPU
	// one gives each work-item about 8 rows, 32 … 256 work-items per job.
	for _, k := range []int{1, 64, 1000, 100000} {
		require.Equal(t, 16, def.Sub(k))
	}
	g := opencl.GPUConfig(1024, 48<<10)
	for k, want := range map[int]int{1: 32, 64: 32, 256: 32, 257: 64, 1000: 128, 2048: 256, 100000: 256} {
		require.Equal(t, want, g.Sub(k), "k=%d", k)
	}
}

// TestFP64Capable: double precision needs the cl_khr_fp64 extension and,
// in CL_DEVICE_DOUBLE_FP_CONFIG, denormals, INF/NaN and round-to-nearest.
func TestFP64Capable(t *testing.T) {
	const full = 0x3f // denorm, inf/nan, nearest, zero, inf, fma
	require.True(t, opencl.FP64Capable("cl_khr_byte cl_khr_fp64 cl_khr_icd", full))
	require.True(t, opencl.FP64Capable("cl_khr_fp64", 0x7))
	require.False(t, opencl.FP64Capable("cl_khr_byte cl_khr_icd", full), "no extension")
	require.False(t, opencl.FP64Capable("cl_khr_fp64x", full), "a word, not a prefix")
	require.False(t, opencl.FP64Capable("cl_khr_fp64", 0), "extension without capabilities")
	require.False(t, opencl.FP64Capable("cl_khr_fp64", full&^1), "no denormals")
	require.False(t, opencl.FP64Capable("cl_khr_fp64", full&^4), "no round-to-nearest")
}
