// Package dispatch chooses libsia's training engine and routes jobs to it.
//
// A selection spec names the engine: "cpu" (the Go kernels), "opencl" (the
// preferred usable OpenCL device: an accelerator, else a GPU, else a CPU
// device), "opencl:<platform>:<device>" (that device), or "auto" (the
// default: an OpenCL accelerator or GPU when one is present, otherwise the
// CPU engine; a CPU-type OpenCL device such as PoCL is never chosen
// automatically, because the Go engine is faster on the same cores). Under
// "auto" jobs smaller than Crossover flops stay on the CPU, where a device
// launch and transfer would cost more than the work. A Dispatcher is a
// device.Engine, so the solver never knows which engine it got.
//
// OpenCL is probed lazily. Under "auto" nothing OpenCL is loaded (no
// dlopen of the ICD loader, no driver initialised: PoCL alone adds about
// 65 MB of resident memory and 0.1 s) until a batch holds a job of at least
// Crossover flops — the first job an accelerator could take — or until
// someone asks about devices (Name, Describe). "cpu" never loads OpenCL
// unless Describe lists the devices; an explicit "opencl…" spec opens its
// device in New. ctest/test_lazy_load.c holds libsia to this.
package dispatch

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/opencl"
)

// Crossover is the work (flops of the structured update, 2·k·n²) below
// which "auto" keeps a job on the CPU engine even when a device was chosen:
// a launch with transfers costs 40–250 µs (measured with PoCL), the CPU
// engine does 1e6 flops in about 100 µs.
const Crossover = 1e6

// Dispatcher routes jobs to the CPU engine and, when selected, an OpenCL
// engine. Safe for concurrent use.
type Dispatcher struct {
	spec string
	cpu  atomic.Pointer[cpu.Engine]

	probe  sync.Once   // "auto": the OpenCL probe, on the first large job or device query
	probed atomic.Bool // probe has run (or is not needed): ocl and note are final
	ocl    accel
	note   string       // why there is no OpenCL engine, or which one was chosen
	routed atomic.Int64 // jobs kept on the CPU by Crossover
}

// New returns a dispatcher for spec with a CPU engine of workers
// goroutines. "cpu" and "auto" never fail ("auto" probes lazily); an
// explicit "opencl…" spec opens the device now and fails with the reason
// when it cannot.
func New(spec string, workers int) (*Dispatcher, error) {
	spec = strings.ToLower(strings.TrimSpace(spec))
	if spec == "" {
		spec = "auto"
	}
	d := &Dispatcher{spec: spec}
	d.cpu.Store(&cpu.Engine{Workers: max(workers, 1)})
	switch {
	case spec == "cpu":
		d.note = "cpu selected"
		d.settle(func() {})
	case spec == "auto":
	case spec == "opencl" || strings.HasPrefix(spec, "opencl:"):
		p, dv := -1, -1
		if rest, ok := strings.CutPrefix(spec, "opencl:"); ok {
			ps, ds, ok := strings.Cut(rest, ":")
			var err1, err2 error
			p, err1 = strconv.Atoi(ps)
			dv, err2 = strconv.Atoi(ds)
			if !ok || err1 != nil || err2 != nil || p < 0 || dv < 0 {
				return nil, fmt.Errorf("dispatch: bad spec %q (want opencl:<platform>:<device>)", spec)
			}
		}
		e, err := opencl.New(opencl.Options{PlatformIndex: p, DeviceIndex: dv, Binary: os.Getenv("SIA_OPENCL_BINARY"), Fallback: cpuForward{d}})
		if err != nil {
			return nil, fmt.Errorf("dispatch: %s requested: %w", spec, err)
		}
		d.ocl = e
		d.note = "selected " + e.Name()
		d.settle(func() {})
	default:
		return nil, fmt.Errorf("dispatch: unknown engine %q (want auto, cpu, opencl or opencl:<platform>:<device>)", spec)
	}
	return d, nil
}

// accel is what the dispatcher uses of a device engine: an *opencl.Engine
// (tests route to a fake one, export_test.go). Never a typed nil: ocl is
// assigned only an engine that opened.
type accel interface {
	device.Engine
	Close()
	Stats() opencl.Stats
}

// cpuForward is the OpenCL engine's fallback: the dispatcher's current CPU
// engine.
type cpuForward struct{ d *Dispatcher }

func (f cpuForward) Name() string           { return f.d.cpu.Load().Name() }
func (f cpuForward) Run(jobs []*device.Job) { f.d.cpu.Load().Run(jobs) }

// settle runs f as the probe unless the probe has run already, and marks
// the probe done: from then on ocl and note do not change.
func (d *Dispatcher) settle(f func()) {
	d.probe.Do(func() {
		f()
		d.probed.Store(true)
	})
}

// ensureProbe probes OpenCL ("auto") if that has not happened yet.
func (d *Dispatcher) ensureProbe() { d.settle(d.autoProbe) }

// Probed reports whether the dispatcher has looked for OpenCL devices (or
// needs not: "cpu", an explicit "opencl…" spec, Close). Under "auto" it is
// false until a job of Crossover flops or more is run or a device query
// (Name, Describe, Grouping after such a job) is made.
func (d *Dispatcher) Probed() bool { return d.probed.Load() }

// large reports whether a job is big enough for an accelerator under
// "auto": 2·k·n² flops of the structured update at least Crossover.
func large(j *device.Job) bool { return 2*float64(j.New.K)*float64(j.N)*float64(j.N) >= Crossover }

func (d *Dispatcher) autoProbe() {
	devs, err := opencl.Devices()
	if err != nil {
		d.note = "auto: cpu (" + err.Error() + ")"
		return
	}
	for i := range devs {
		dev := &devs[i]
		if dev.Type&(opencl.TypeAccelerator|opencl.TypeGPU) == 0 || !dev.Usable() {
			continue
		}
		e, err := opencl.New(opencl.Options{PlatformIndex: dev.PlatformIndex, DeviceIndex: dev.DeviceIndex,
			Binary: os.Getenv("SIA_OPENCL_BINARY"), Fallback: cpuForward{d}})
		if err != nil {
			d.note = fmt.Sprintf("auto: cpu (opening %s failed: %v)", dev.Name, err)
			continue
		}
		d.ocl = e
		d.note = "auto: " + e.Name()
		return
	}
	if d.note == "" {
		d.note = fmt.Sprintf("auto: cpu (%d OpenCL device(s), none an accelerator or GPU)", len(devs))
	}
}

// Close releases the dispatcher's OpenCL engine, if it has one, once the
// batches it has in flight have finished (engines on the same device share
// their device objects, which go when the last engine using them is
// closed). Whoever replaces a dispatcher (a new device selection) closes
// the old one; a Run after Close trains on the CPU engine. Idempotent.
func (d *Dispatcher) Close() {
	d.settle(func() {}) // a later Run must not probe and open an engine
	if d.ocl != nil {
		d.ocl.Close()
	}
}

// SetThreads sets the CPU engine's worker count.
func (d *Dispatcher) SetThreads(n int) { d.cpu.Store(&cpu.Engine{Workers: max(n, 1)}) }

// Name returns the engine jobs go to: "cpu" or "opencl:<p>:<d>".
func (d *Dispatcher) Name() string {
	d.ensureProbe()
	if d.ocl != nil {
		return d.ocl.Name()
	}
	return "cpu"
}

// Grouping is the CPU engine's when jobs go to it, and the whole batch in
// one Run when an OpenCL engine is selected (device.GroupSizer). Before
// "auto" has probed it is the CPU engine's grouping with each group run
// through the dispatcher's routing, so that a group holding a large job
// probes and sends that job to an accelerator if there is one.
func (d *Dispatcher) Grouping() (bytes, concurrent int, each device.Engine) {
	if !d.probed.Load() {
		bytes, concurrent, each = d.cpu.Load().Grouping()
		return bytes, concurrent, routed{d, each}
	}
	if d.ocl == nil {
		return d.cpu.Load().Grouping()
	}
	return 0, 1, d
}

// routed runs a group of the CPU engine's grouping (each) through the
// dispatcher's routing.
type routed struct {
	d    *Dispatcher
	each device.Engine
}

func (r routed) Name() string           { return r.each.Name() }
func (r routed) Run(jobs []*device.Job) { r.d.run(jobs, r.each) }

// Run trains the batch on the selected engine.
func (d *Dispatcher) Run(jobs []*device.Job) { d.run(jobs, d.cpu.Load()) }

// run trains jobs, those that stay on the CPU with cpuEng. Under "auto" a
// batch of small jobs stays on the CPU without probing.
func (d *Dispatcher) run(jobs []*device.Job, cpuEng device.Engine) {
	if !d.probed.Load() {
		if !slices.ContainsFunc(jobs, large) {
			d.routed.Add(int64(len(jobs)))
			cpuEng.Run(jobs)
			return
		}
		d.ensureProbe()
	}
	if d.ocl == nil {
		cpuEng.Run(jobs)
		return
	}
	if d.spec != "auto" {
		d.ocl.Run(jobs)
		return
	}
	var small, big []*device.Job
	for _, j := range jobs {
		if large(j) {
			big = append(big, j)
		} else {
			small = append(small, j)
		}
	}
	if len(small) > 0 {
		d.routed.Add(int64(len(small)))
		cpuEng.Run(small)
	}
	if len(big) > 0 {
		d.ocl.Run(big)
	}
}

// Describe reports the OpenCL devices found, the selection and the
// engines' counters, one item per line.
func (d *Dispatcher) Describe() string {
	d.ensureProbe()
	var b strings.Builder
	fmt.Fprintf(&b, "selection: %s -> %s\n", d.spec, d.Name())
	fmt.Fprintf(&b, "cpu engine: %d worker(s), kernel %s (available: %s)\n",
		d.cpu.Load().Workers, cpu.Kernel(), strings.Join(cpu.Kernels(), ", "))
	if d.note != "" {
		fmt.Fprintf(&b, "note: %s\n", d.note)
	}
	if devs, err := opencl.Devices(); err != nil {
		fmt.Fprintf(&b, "opencl: %v\n", err)
	} else {
		for i := range devs {
			fmt.Fprintf(&b, "device: %s\n", devs[i].String())
		}
	}
	if d.ocl != nil {
		st := d.ocl.Stats()
		fmt.Fprintf(&b, "opencl jobs: %d on device, %d routed to cpu (unsupported), %d fallbacks after device errors, %d kept on cpu (below crossover)\n",
			st.DeviceJobs, st.Routed, st.Fallbacks, d.routed.Load())
		if st.LastError != "" {
			fmt.Fprintf(&b, "last device error: %s\n", st.LastError)
		}
	}
	return b.String()
}

// Workers returns the CPU engine's worker count.
func (d *Dispatcher) Workers() int { return d.cpu.Load().Workers }
