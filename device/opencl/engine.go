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

// Compile-time limits of the kernel, passed to the OpenCL compiler as
// -DSIA_WG and -DSIA_NCMAX (and to be used alike when building an FPGA
// binary offline).
const (
	// WorkGroup is the work-group size: work-items per job.
	WorkGroup = 16
	// NCMax is the largest n + nrhs the kernel handles; larger jobs run on
	// the CPU engine.
	NCMax = 256
	// localBytes is the kernel's local memory.
	localBytes = (WorkGroup*NCMax + NCMax + 8) * 8
)

// BuildOptions are the compiler options of the kernel source.
var BuildOptions = fmt.Sprintf("-cl-std=CL1.2 -DSIA_WG=%d -DSIA_NCMAX=%d", WorkGroup, NCMax)

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
	// BuildOptions); empty: build from source.
	Binary string
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
	routed     atomic.Int64
	fallbacks  atomic.Int64
	lastErr    atomic.Pointer[string]
}

// program is the device objects engines share; see Engine.
type program struct {
	mu    sync.Mutex // OpenCL kernel arguments are shared state
	dev   Device
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
		if p, err = newProgram(dev, opts.Binary, bin); err != nil {
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
// or, when bin is not empty, from that binary (read from path).
func newProgram(dev Device, path string, bin []byte) (*program, error) {
	p := &program{dev: dev}
	var rc C.cl_int
	if p.ctx = C.sia_clCreateContext(dev.id, &rc); rc != 0 {
		return nil, clErr("clCreateContext", rc)
	}
	if p.queue = C.sia_clCreateCommandQueue(p.ctx, dev.id, &rc); rc != 0 {
		p.release()
		return nil, clErr("clCreateCommandQueue", rc)
	}
	if err := p.build(path, bin); err != nil {
		p.release()
		return nil, err
	}
	return p, nil
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

// build creates the program from the embedded source or from a binary
// (bin, read from the file binary).
func (e *program) build(binary string, bin []byte) error {
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
	copts := C.CString(BuildOptions)
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

// release frees the device objects.
func (e *program) release() {
	if e.kern != nil {
		C.sia_clReleaseKernel(e.kern)
	}
	if e.prog != nil {
		C.sia_clReleaseProgram(e.prog)
	}
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

// Stats are the engine's counters.
type Stats struct {
	DeviceJobs int64  // jobs trained on the device
	Routed     int64  // jobs sent to the CPU engine because the kernel does not run them
	Fallbacks  int64  // jobs re-run on the CPU engine after a device failure
	LastError  string // the last device failure, if any
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	s := Stats{DeviceJobs: e.deviceJobs.Load(), Routed: e.routed.Load(), Fallbacks: e.fallbacks.Load()}
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

// Run trains the batch: supported jobs on the device (one work-group each,
// in launches that fit the device's allocation limit), the others on the
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
		if err := e.launch(batch); err != nil {
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
// writes the results into the jobs. A panic in it is recovered and returned
// as an error (wrapping errResultsTorn once results were being written), so
// that it cannot abort the host process.
func (e *Engine) launch(jobs []*device.Job) (err error) {
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
			return err
		}
	}
	nj := len(jobs)
	meta := make([]int32, 4*nj)
	offs := make([]int64, 4*nj)
	var nT, nW, nX, nR int
	for i, j := range jobs {
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
			return err
		}
	}
	for i := range mems {
		if rc := C.sia_clSetKernelArg(e.kern, C.cl_uint(i), C.size_t(unsafe.Sizeof(mems[i])), unsafe.Pointer(&mems[i])); rc != 0 {
			return clErr("clSetKernelArg", rc)
		}
	}
	if rc := C.sia_clEnqueueNDRangeKernel(e.queue, e.kern, C.size_t(WorkGroup*nj), WorkGroup); rc != 0 {
		return clErr("clEnqueueNDRangeKernel", rc)
	}
	if rc := C.sia_clFinish(e.queue); rc != 0 {
		return clErr("clFinish", rc)
	}
	for i, a := range args[2:] {
		if rc := C.sia_clEnqueueReadBuffer(e.queue, mems[i+2], 0, C.size_t(a.bytes), a.p); rc != 0 {
			return clErr("clEnqueueReadBuffer "+a.name, rc)
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
	return nil
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
