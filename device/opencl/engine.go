package opencl

/*
#include <stdlib.h>
#include "cl.h"
*/
import "C"

import (
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/libsia/sia/device"
)

// Compile-time limits of the default kernel configuration (the one FPGA
// binaries are built with), passed to the OpenCL compiler as -DSIA_WG and
// -DSIA_NCMAX.
const (
	// WorkGroup is the default work-group size: work-items per job.
	WorkGroup = 16
	// NCMax is the largest n + nrhs the kernel handles; larger jobs run on
	// the CPU engine.
	NCMax = 256
	// localBytes is the default configuration's local memory.
	localBytes = (WorkGroup*NCMax + NCMax + 8) * 8
)

// BuildOptions are the compiler options of the default configuration: what
// an offline (FPGA) binary is built with.
var BuildOptions = DefaultConfig().BuildOptions()

// Config is a build of the kernel: its compile-time constants, chosen per
// device type when the program is built (see ConfigFor), or read back from
// a precompiled binary.
type Config struct {
	// WorkGroup is the fixed work-group size (SIA_WG, reqd_work_group_size).
	WorkGroup int
	// CTile is the number of trailing columns reduced through local memory
	// at a time (SIA_CTILE; NCMax in the default configuration).
	CTile int
	// Strided gives work-items every sub-th row of a job rather than a
	// contiguous block (SIA_STRIDED): coalesced reads on GPUs.
	Strided bool
	// SubMin is the fewest work-items per job (SIA_SUBMIN): a work-group
	// holds up to WorkGroup/SubMin jobs; SubMin = WorkGroup packs none.
	SubMin int
}

// DefaultConfig is the configuration of accelerators (FPGAs) and CPU-type
// devices: 16 work-items per job, each a contiguous block of rows, one job
// per work-group, columns reduced all at once.
func DefaultConfig() Config {
	return Config{WorkGroup: WorkGroup, CTile: NCMax, SubMin: WorkGroup}
}

// BuildOptions are the compiler options of c (the default configuration's
// are "-cl-std=CL1.2 -DSIA_WG=16 -DSIA_NCMAX=256", as before GPU builds).
func (c Config) BuildOptions() string {
	o := fmt.Sprintf("-cl-std=CL1.2 -DSIA_WG=%d -DSIA_NCMAX=%d", c.WorkGroup, NCMax)
	if c.CTile != NCMax {
		o += fmt.Sprintf(" -DSIA_CTILE=%d", c.CTile)
	}
	if c.Strided {
		o += " -DSIA_STRIDED=1"
	}
	if c.SubMin != c.WorkGroup {
		o += fmt.Sprintf(" -DSIA_SUBMIN=%d", c.SubMin)
	}
	return o
}

// LocalBytes is the kernel's local memory in configuration c.
func (c Config) LocalBytes() uint64 {
	jpg := c.WorkGroup / c.SubMin
	return uint64(c.WorkGroup*c.CTile+jpg*c.CTile+8*jpg) * 8
}

// valid reports whether c can be built: powers of two, SubMin dividing
// WorkGroup, a tile of at least two columns and at most NCMax.
func (c Config) valid() bool {
	pow2 := func(x int) bool { return x > 0 && x&(x-1) == 0 }
	return pow2(c.WorkGroup) && pow2(c.SubMin) && c.SubMin <= c.WorkGroup && c.CTile >= 2 && c.CTile <= NCMax
}

// gpuWorkGroup is the work-group size GPUs start from (the largest power of
// two within the device's and the kernel's limits, if smaller).
const gpuWorkGroup = 256

// ConfigFor chooses the configuration for dev: accelerators (FPGAs, whose
// binaries are built offline with BuildOptions) and CPU-type devices keep
// DefaultConfig; a GPU gets work-groups of up to 256 work-items (the
// largest power of two within CL_DEVICE_MAX_WORK_GROUP_SIZE), strided
// (coalesced) rows, up to 8 jobs per work-group (at least 32 work-items, a
// warp, per job) and the widest column tile, up to 32, whose local memory
// fits the device's. The work-group size is lowered again after the build
// if the kernel's CL_KERNEL_WORK_GROUP_SIZE is smaller (see New).
func ConfigFor(dev Device) Config {
	if dev.Type&TypeGPU == 0 || dev.Type&TypeAccelerator != 0 {
		return DefaultConfig()
	}
	return gpuConfig(min(gpuWorkGroup, dev.MaxWorkGroup), dev.LocalMem)
}

// gpuConfig is the GPU configuration for at most maxWG work-items per group
// and local bytes of local memory: the largest power-of-two work-group and
// then the widest tile that fit (DefaultConfig if none does).
func gpuConfig(maxWG int, local uint64) Config {
	for wg := gpuWorkGroup; wg >= WorkGroup; wg /= 2 {
		if wg > maxWG {
			continue
		}
		for tile := 32; tile >= 4; tile /= 2 {
			c := Config{WorkGroup: wg, CTile: tile, Strided: true, SubMin: min(32, wg)}
			if c.LocalBytes() <= local {
				return c
			}
		}
	}
	return DefaultConfig()
}

// rowsPerItem is the number of rows a work-item should own before a job
// gets more work-items (see sub).
const rowsPerItem = 8

// sub returns the work-items per job for a launch whose largest job has
// kmax rows: a power of two giving each work-item about rowsPerItem rows,
// within [SubMin, WorkGroup]. Jobs with few rows are packed several to a
// work-group; SubMin = WorkGroup (FPGAs, CPUs) always gives WorkGroup.
func (c Config) sub(kmax int) int {
	s := c.SubMin
	for s < c.WorkGroup && s*rowsPerItem < kmax {
		s *= 2
	}
	return s
}

//go:embed kernels.cl
var kernelSource string

// KernelSource returns the OpenCL C source of the kernel, for offline
// (FPGA) compilation with the vendor's tools.
func KernelSource() string { return kernelSource }

// Options configure New.
type Options struct {
	// PlatformIndex and DeviceIndex pick a device (as listed by Devices);
	// -1 for both lets New choose: an accelerator, else a GPU, else a CPU
	// device, among the usable ones (double precision, enough local memory).
	PlatformIndex, DeviceIndex int
	// Binary is the path of a precompiled program for the device (the FPGA
	// route: .aocx, .xclbin, …, built offline from KernelSource with
	// BuildOptions); empty: build from source. Its configuration is read
	// back from the program (the sia_config kernel).
	Binary string
	// Config, when not nil, is built instead of ConfigFor's choice for the
	// device (tests run the GPU configuration on any device this way).
	Config *Config
	// Fallback runs the jobs the device does not (and those of a batch that
	// failed on it). Required.
	Fallback device.Engine
}

// Engine trains jobs on one OpenCL device. Engines on the same device and
// program share one set of device objects (context, queue, program,
// kernel), counted by reference: opening an engine again costs no device
// resources, and the objects are released when the last engine using them
// is closed and its batches in flight have finished.
type Engine struct {
	*program
	fallback device.Engine

	refs   atomic.Int64 // 1 until Close, plus one per Run in flight
	closed atomic.Bool

	deviceJobs atomic.Int64
	groups     atomic.Int64
	routed     atomic.Int64
	fallbacks  atomic.Int64
	lastErr    atomic.Pointer[string]
}

// program is the device objects engines share; see Engine.
type program struct {
	mu    sync.Mutex // OpenCL kernel arguments are shared state
	dev   Device
	cfg   Config
	ctx   C.cl_context
	queue C.cl_command_queue
	prog  C.cl_program
	kern  C.cl_kernel

	key  programKey
	refs int // engines holding it; guarded by programs
}

// programKey identifies shareable device objects: the device and the
// program's origin (source, or the binary's content).
type programKey struct {
	platform, device int
	binary           [sha256.Size]byte // zero: built from source
	config           Config            // requested (Options.Config); zero: ConfigFor's
}

// programs holds the live shared device objects.
var programs struct {
	sync.Mutex
	m map[programKey]*program
}

// New opens the selected device, builds (or loads) the program — or shares
// the objects of an open engine on the same device and program — and
// returns an engine. The error says why when there is no usable device.
func New(opts Options) (*Engine, error) {
	if opts.Fallback == nil {
		return nil, errors.New("opencl: Options.Fallback is required")
	}
	devs, err := Devices()
	if err != nil {
		return nil, err
	}
	dev, err := choose(devs, opts.PlatformIndex, opts.DeviceIndex)
	if err != nil {
		return nil, err
	}
	key := programKey{platform: dev.PlatformIndex, device: dev.DeviceIndex}
	if opts.Config != nil {
		if !opts.Config.valid() {
			return nil, fmt.Errorf("opencl: invalid kernel configuration %+v", *opts.Config)
		}
		key.config = *opts.Config
	}
	var bin []byte
	if opts.Binary != "" {
		if bin, err = os.ReadFile(opts.Binary); err != nil {
			return nil, fmt.Errorf("opencl: %w", err)
		}
		if len(bin) == 0 {
			return nil, fmt.Errorf("opencl: empty binary %s", opts.Binary)
		}
		key.binary = sha256.Sum256(bin)
	}
	programs.Lock()
	defer programs.Unlock()
	p := programs.m[key]
	if p == nil {
		if p, err = newProgram(dev, opts.Binary, bin, opts.Config); err != nil {
			return nil, err
		}
		p.key = key
		if programs.m == nil {
			programs.m = make(map[programKey]*program)
		}
		programs.m[key] = p
	}
	p.refs++
	e := &Engine{program: p, fallback: opts.Fallback}
	e.refs.Store(1)
	return e, nil
}

// newProgram creates the device objects for dev from the embedded source
// (in configuration cfg, or ConfigFor's when nil) or, when bin is not
// empty, from that binary (read from path).
func newProgram(dev Device, path string, bin []byte, cfg *Config) (*program, error) {
	p := &program{dev: dev}
	var rc C.cl_int
	if p.ctx = C.sia_clCreateContext(dev.id, &rc); rc != 0 {
		return nil, clErr("clCreateContext", rc)
	}
	if p.queue = C.sia_clCreateCommandQueue(p.ctx, dev.id, &rc); rc != 0 {
		p.release()
		return nil, clErr("clCreateCommandQueue", rc)
	}
	if len(bin) > 0 {
		if err := p.build(path, bin, ""); err != nil {
			p.release()
			return nil, err
		}
	} else {
		want := ConfigFor(dev)
		if cfg != nil {
			want = *cfg
		}
		if err := p.buildFitting(want, cfg == nil); err != nil {
			p.release()
			return nil, err
		}
	}
	if err := p.readConfig(); err != nil {
		p.release()
		return nil, err
	}
	return p, nil
}

// buildFitting builds the source in configuration c; when shrink is set
// and the built kernel allows fewer work-items per group than c has
// (CL_KERNEL_WORK_GROUP_SIZE: registers, local memory), it rebuilds with
// the largest power of two within that limit.
func (e *program) buildFitting(c Config, shrink bool) error {
	for {
		if err := e.build("", nil, c.BuildOptions()); err != nil {
			return err
		}
		var kwg C.size_t
		if rc := C.sia_clGetKernelWorkGroupInfo(e.kern, e.dev.id, C.SIA_CL_KERNEL_WORK_GROUP_SIZE,
			C.size_t(unsafe.Sizeof(kwg)), unsafe.Pointer(&kwg), nil); rc != 0 {
			return clErr("CL_KERNEL_WORK_GROUP_SIZE", rc)
		}
		if int(kwg) >= c.WorkGroup {
			return nil
		}
		if !shrink || c.WorkGroup <= WorkGroup {
			return fmt.Errorf("opencl: the kernel allows %d work-items per group on %s, %d needed", int(kwg), e.dev.Name, c.WorkGroup)
		}
		wg := c.WorkGroup / 2
		for wg > int(kwg) && wg > WorkGroup {
			wg /= 2
		}
		c = gpuConfig(wg, e.dev.LocalMem)
		e.releaseProgram()
	}
}

// readConfig runs the program's sia_config kernel and records the
// configuration it was built with.
func (e *program) readConfig() error {
	name := C.CString("sia_config")
	defer C.free(unsafe.Pointer(name))
	var rc C.cl_int
	k := C.sia_clCreateKernel(e.prog, name, &rc)
	if rc != 0 {
		return fmt.Errorf("opencl: the program has no sia_config kernel (error %d): built from an older kernels.cl?", int(rc))
	}
	defer C.sia_clReleaseKernel(k)
	var out [6]int32
	m := C.sia_clCreateBuffer(e.ctx, C.SIA_CL_MEM_READ_WRITE|C.SIA_CL_MEM_COPY_HOST_PTR, C.size_t(len(out)*4), unsafe.Pointer(&out[0]), &rc)
	if rc != 0 {
		return clErr("clCreateBuffer config", rc)
	}
	defer C.sia_clReleaseMemObject(m)
	if rc = C.sia_clSetKernelArg(k, 0, C.size_t(unsafe.Sizeof(m)), unsafe.Pointer(&m)); rc != 0 {
		return clErr("clSetKernelArg config", rc)
	}
	if rc = C.sia_clEnqueueNDRangeKernel(e.queue, k, 1, 1); rc != 0 {
		return clErr("clEnqueueNDRangeKernel config", rc)
	}
	if rc = C.sia_clEnqueueReadBuffer(e.queue, m, 0, C.size_t(len(out)*4), unsafe.Pointer(&out[0])); rc != 0 {
		return clErr("clEnqueueReadBuffer config", rc)
	}
	c := Config{WorkGroup: int(out[1]), CTile: int(out[3]), Strided: out[4] != 0, SubMin: int(out[5])}
	if out[0] != 2 || out[2] != NCMax || !c.valid() {
		return fmt.Errorf("opencl: the program's configuration %v is not this libsia's", out)
	}
	e.cfg = c
	return nil
}

// OpenPrograms returns the number of live shared sets of device objects
// (for tests and diagnostics).
func OpenPrograms() int {
	programs.Lock()
	defer programs.Unlock()
	return len(programs.m)
}

// choose picks the device by index, or the preferred usable one.
func choose(devs []Device, p, d int) (Device, error) {
	if len(devs) == 0 {
		return Device{}, errors.New("opencl: no OpenCL device found")
	}
	if p >= 0 || d >= 0 {
		for _, dev := range devs {
			if dev.PlatformIndex == p && dev.DeviceIndex == d {
				if !dev.Usable() {
					return Device{}, fmt.Errorf("opencl: device %d:%d (%s) lacks fp64 or local memory", p, d, dev.Name)
				}
				return dev, nil
			}
		}
		return Device{}, fmt.Errorf("opencl: no device %d:%d", p, d)
	}
	for _, want := range []uint64{TypeAccelerator, TypeGPU, TypeCPU} {
		for _, dev := range devs {
			if dev.Type&want != 0 && dev.Usable() {
				return dev, nil
			}
		}
	}
	return Device{}, errors.New("opencl: no usable device (double precision and 32 KiB local memory needed)")
}

// build creates the program from the embedded source with the compiler
// options opts, or from a binary (bin, read from the file binary, built
// with BuildOptions).
func (e *program) build(binary string, bin []byte, opts string) error {
	var rc C.cl_int
	if len(bin) > 0 {
		cbin := C.CBytes(bin)
		defer C.free(cbin)
		var status C.cl_int
		e.prog = C.sia_clCreateProgramWithBinary(e.ctx, e.dev.id, (*C.uchar)(cbin), C.size_t(len(bin)), &status, &rc)
		if rc != 0 || status != 0 {
			return fmt.Errorf("opencl: clCreateProgramWithBinary(%s): error %d, status %d", binary, int(rc), int(status))
		}
	} else {
		src := C.CString(kernelSource)
		defer C.free(unsafe.Pointer(src))
		e.prog = C.sia_clCreateProgramWithSource(e.ctx, src, C.size_t(len(kernelSource)), &rc)
		if rc != 0 {
			return clErr("clCreateProgramWithSource", rc)
		}
	}
	if len(bin) > 0 {
		opts = BuildOptions
	}
	copts := C.CString(opts)
	defer C.free(unsafe.Pointer(copts))
	if rc = C.sia_clBuildProgram(e.prog, e.dev.id, copts); rc != 0 {
		return fmt.Errorf("opencl: build failed (error %d): %s", int(rc), e.buildLog())
	}
	name := C.CString("sia_update")
	defer C.free(unsafe.Pointer(name))
	if e.kern = C.sia_clCreateKernel(e.prog, name, &rc); rc != 0 {
		return clErr("clCreateKernel", rc)
	}
	return nil
}

func (e *program) buildLog() string {
	var size C.size_t
	C.sia_clGetProgramBuildInfo(e.prog, e.dev.id, C.SIA_CL_PROGRAM_BUILD_LOG, 0, nil, &size)
	if size == 0 {
		return ""
	}
	buf := make([]byte, size)
	C.sia_clGetProgramBuildInfo(e.prog, e.dev.id, C.SIA_CL_PROGRAM_BUILD_LOG, size, unsafe.Pointer(&buf[0]), nil)
	return string(buf)
}

// Binary returns the built program's device binary (CL_PROGRAM_BINARIES),
// which New accepts back through Options.Binary: the FPGA route, exercised
// on any device.
func (e *Engine) Binary() ([]byte, error) {
	var size C.size_t
	if rc := C.sia_clGetProgramInfo(e.prog, C.SIA_CL_PROGRAM_BINARY_SIZES, C.size_t(unsafe.Sizeof(size)), unsafe.Pointer(&size), nil); rc != 0 {
		return nil, clErr("CL_PROGRAM_BINARY_SIZES", rc)
	}
	if size == 0 {
		return nil, errors.New("opencl: the device offers no program binary")
	}
	buf := C.malloc(size)
	defer C.free(buf)
	ptrs := (*unsafe.Pointer)(C.malloc(C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(ptrs))
	*ptrs = buf
	if rc := C.sia_clGetProgramInfo(e.prog, C.SIA_CL_PROGRAM_BINARIES, C.size_t(unsafe.Sizeof(uintptr(0))), unsafe.Pointer(ptrs), nil); rc != 0 {
		return nil, clErr("CL_PROGRAM_BINARIES", rc)
	}
	return C.GoBytes(buf, C.int(size)), nil
}

// Close gives up the engine's share of the device objects; they are
// released once no engine uses them and the batches this engine has in
// flight have finished. Run after Close trains on the fallback engine.
// Close is idempotent.
func (e *Engine) Close() {
	if e.closed.CompareAndSwap(false, true) {
		e.unref()
	}
}

// acquire takes a reference for a Run; false once the engine is closed.
func (e *Engine) acquire() bool {
	for {
		r := e.refs.Load()
		if r == 0 {
			return false
		}
		if e.refs.CompareAndSwap(r, r+1) {
			return true
		}
	}
}

// unref drops a reference; the last one gives up the shared program.
func (e *Engine) unref() {
	if e.refs.Add(-1) != 0 {
		return
	}
	programs.Lock()
	defer programs.Unlock()
	p := e.program
	if p.refs--; p.refs == 0 {
		delete(programs.m, p.key)
		p.release()
	}
}

// releaseProgram frees the program and its kernel.
func (e *program) releaseProgram() {
	if e.kern != nil {
		C.sia_clReleaseKernel(e.kern)
	}
	if e.prog != nil {
		C.sia_clReleaseProgram(e.prog)
	}
	e.kern, e.prog = nil, nil
}

// release frees the device objects.
func (e *program) release() {
	e.releaseProgram()
	if e.queue != nil {
		C.sia_clReleaseCommandQueue(e.queue)
	}
	if e.ctx != nil {
		C.sia_clReleaseContext(e.ctx)
	}
	e.kern, e.prog, e.queue, e.ctx = nil, nil, nil, nil
}

// Name returns "opencl:<platform>:<device>".
func (e *Engine) Name() string {
	return fmt.Sprintf("opencl:%d:%d", e.dev.PlatformIndex, e.dev.DeviceIndex)
}

// Device returns the engine's device.
func (e *Engine) Device() Device { return e.dev }

// Config returns the configuration the engine's program was built with.
func (e *Engine) Config() Config { return e.cfg }

// Stats are the engine's counters.
type Stats struct {
	DeviceJobs int64  // jobs trained on the device
	Groups     int64  // work-groups launched for them (fewer when jobs are packed)
	Routed     int64  // jobs sent to the CPU engine because the kernel does not run them
	Fallbacks  int64  // jobs re-run on the CPU engine after a device failure
	LastError  string // the last device failure, if any
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	s := Stats{DeviceJobs: e.deviceJobs.Load(), Groups: e.groups.Load(), Routed: e.routed.Load(), Fallbacks: e.fallbacks.Load()}
	if p := e.lastErr.Load(); p != nil {
		s.LastError = *p
	}
	return s
}

// Supports reports whether the kernel runs j: a plain update (or a cold
// factorization without dgels's residual rows), with or without the
// triangular solve, n + nrhs ≤ NCMax.
func Supports(j *device.Job) bool {
	return !(j.Fresh && j.Tail) && !j.Downdate && j.All == nil && !j.MinNorm &&
		j.N >= 1 && j.N+j.NRHS <= NCMax
}

// Run trains the batch: supported jobs on the device (a sub-group of
// work-items each, one or more jobs per work-group, in launches that fit the device's allocation limit), the others on the
// fallback engine. A launch that fails leaves its jobs untouched and runs
// them on the fallback engine, counted in Stats.Fallbacks.
func (e *Engine) Run(jobs []*device.Job) {
	if !e.acquire() {
		e.routed.Add(int64(len(jobs)))
		e.fallback.Run(jobs)
		return
	}
	defer e.unref()
	var dev, cpu []*device.Job
	for _, j := range jobs {
		if Supports(j) {
			dev = append(dev, j)
		} else {
			cpu = append(cpu, j)
		}
	}
	if len(cpu) > 0 {
		e.routed.Add(int64(len(cpu)))
		e.fallback.Run(cpu)
	}
	for len(dev) > 0 {
		cut := e.fit(dev)
		batch := dev[:cut]
		dev = dev[cut:]
		groups, err := e.launch(batch)
		if err != nil {
			msg := err.Error()
			e.lastErr.Store(&msg)
			if errors.Is(err, errResultsTorn) {
				// Results were being written back: the jobs' inputs are
				// gone, so they cannot be re-run.
				for _, j := range batch {
					j.Info = device.InfoInternal
				}
				continue
			}
			e.fallbacks.Add(int64(len(batch)))
			e.fallback.Run(batch)
			continue
		}
		e.deviceJobs.Add(int64(len(batch)))
		e.groups.Add(int64(groups))
	}
}

// fit returns how many leading jobs fit one launch: W, the largest buffer,
// within half the device's maximum allocation (at least one job).
func (e *Engine) fit(jobs []*device.Job) int {
	limit := e.dev.MaxAlloc / 2
	if limit == 0 {
		limit = 256 << 20
	}
	var bytes uint64
	for i, j := range jobs {
		bytes += uint64(j.New.K*(j.N+j.NRHS)) * 8
		if bytes > limit && i > 0 {
			return i
		}
	}
	return len(jobs)
}

// injectFault, when set (by tests only), is called at the start of every
// launch; an error it returns is treated as a device failure.
var injectFault func() error

// errResultsTorn marks a launch that failed (a recovered panic) while
// writing results back into its jobs.
var errResultsTorn = errors.New("opencl: internal error while writing results")

// launch runs one batch on the device and, only if everything succeeded,
// writes the results into the jobs; it returns the number of work-groups
// launched. A panic in it is recovered and returned as an error (wrapping
// errResultsTorn once results were being written), so that it cannot abort
// the host process.
func (e *Engine) launch(jobs []*device.Job) (groups int, err error) {
	writing := false
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("opencl: internal error: %v", r)
			if writing {
				err = fmt.Errorf("%w: %v", errResultsTorn, r)
			}
		}
	}()
	if injectFault != nil {
		if err := injectFault(); err != nil {
			return 0, err
		}
	}
	nj := len(jobs)
	meta := make([]int32, 4*nj)
	offs := make([]int64, 4*nj)
	var nT, nW, nX, nR, kmax int
	for i, j := range jobs {
		kmax = max(kmax, j.New.K)
		nc := j.N + j.NRHS
		meta[4*i], meta[4*i+1], meta[4*i+2] = int32(j.N), int32(j.NRHS), int32(j.New.K)
		if j.Solve {
			meta[4*i+3] = 1
		}
		offs[4*i], offs[4*i+1], offs[4*i+2], offs[4*i+3] = int64(nT), int64(nW), int64(nX), int64(nR)
		nT += j.N * nc
		nW += j.New.K * nc
		nX += j.N * j.NRHS
		nR += j.NRHS
	}
	t := make([]float64, max(nT, 1))
	w := make([]float64, max(nW, 1))
	x := make([]float64, max(nX, 1))
	rss := make([]float64, max(nR, 1))
	info := make([]int32, nj)
	for i, j := range jobs {
		nc := j.N + j.NRHS
		if !j.Fresh {
			copy(t[offs[4*i]:], j.T[:j.N*nc])
		}
		gather(&j.New, j.N, j.NRHS, w[offs[4*i+1]:offs[4*i+1]+int64(j.New.K*nc)])
		copy(rss[offs[4*i+3]:], j.RSS[:j.NRHS])
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var bufs []C.cl_mem
	defer func() {
		for _, b := range bufs {
			C.sia_clReleaseMemObject(b)
		}
	}()
	mk := func(p unsafe.Pointer, bytes int, what string) (C.cl_mem, error) {
		var rc C.cl_int
		m := C.sia_clCreateBuffer(e.ctx, C.SIA_CL_MEM_READ_WRITE|C.SIA_CL_MEM_COPY_HOST_PTR, C.size_t(bytes), p, &rc)
		if rc != 0 {
			return nil, clErr("clCreateBuffer "+what, rc)
		}
		bufs = append(bufs, m)
		return m, nil
	}
	args := []struct {
		p     unsafe.Pointer
		bytes int
		name  string
	}{
		{unsafe.Pointer(&meta[0]), 4 * len(meta), "meta"},
		{unsafe.Pointer(&offs[0]), 8 * len(offs), "offsets"},
		{unsafe.Pointer(&t[0]), 8 * len(t), "T"},
		{unsafe.Pointer(&w[0]), 8 * len(w), "W"},
		{unsafe.Pointer(&x[0]), 8 * len(x), "X"},
		{unsafe.Pointer(&rss[0]), 8 * len(rss), "RSS"},
		{unsafe.Pointer(&info[0]), 4 * len(info), "INFO"},
	}
	mems := make([]C.cl_mem, len(args))
	for i, a := range args {
		if mems[i], err = mk(a.p, a.bytes, a.name); err != nil {
			return 0, err
		}
	}
	for i := range mems {
		if rc := C.sia_clSetKernelArg(e.kern, C.cl_uint(i), C.size_t(unsafe.Sizeof(mems[i])), unsafe.Pointer(&mems[i])); rc != 0 {
			return 0, clErr("clSetKernelArg", rc)
		}
	}
	wg := e.cfg.WorkGroup
	sub := e.cfg.sub(kmax)
	jpg := wg / sub
	groups = (nj + jpg - 1) / jpg
	scalars := [2]C.cl_int{C.cl_int(nj), C.cl_int(sub)}
	for i := range scalars {
		if rc := C.sia_clSetKernelArg(e.kern, C.cl_uint(len(mems)+i), C.size_t(unsafe.Sizeof(scalars[i])), unsafe.Pointer(&scalars[i])); rc != 0 {
			return 0, clErr("clSetKernelArg", rc)
		}
	}
	if rc := C.sia_clEnqueueNDRangeKernel(e.queue, e.kern, C.size_t(wg*groups), C.size_t(wg)); rc != 0 {
		return 0, clErr("clEnqueueNDRangeKernel", rc)
	}
	if rc := C.sia_clFinish(e.queue); rc != 0 {
		return 0, clErr("clFinish", rc)
	}
	for i, a := range args[2:] {
		if rc := C.sia_clEnqueueReadBuffer(e.queue, mems[i+2], 0, C.size_t(a.bytes), a.p); rc != 0 {
			return 0, clErr("clEnqueueReadBuffer "+a.name, rc)
		}
	}
	writing = true
	for i, j := range jobs {
		nc := j.N + j.NRHS
		copy(j.T[:j.N*nc], t[offs[4*i]:])
		copy(j.RSS[:j.NRHS], rss[offs[4*i+3]:])
		j.Info = int(info[i])
		j.Rank = j.N
		if j.Info > 0 {
			j.Rank = j.Info - 1
		}
		if j.Solve && j.Info == 0 {
			copy(j.X[:j.N*j.NRHS], x[offs[4*i+2]:])
		}
	}
	return groups, nil
}

// gather copies the rows and targets of r into w, column-major K × (n+nrhs)
// (a nil B gives zero targets).
func gather(r *device.Rows, n, nrhs int, w []float64) {
	k := r.K
	for i := 0; i < k; i++ {
		for c := 0; c < n; c++ {
			if r.ColMajor {
				w[i+c*k] = r.A[i+c*r.LDA]
			} else {
				w[i+c*k] = r.A[i*r.LDA+c]
			}
		}
		for q := 0; q < nrhs; q++ {
			switch {
			case r.B == nil:
				w[i+(n+q)*k] = 0
			case r.ColMajor:
				w[i+(n+q)*k] = r.B[i+q*r.LDB]
			default:
				w[i+(n+q)*k] = r.B[i*r.LDB+q]
			}
		}
	}
}
