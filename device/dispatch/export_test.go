package dispatch

import (
	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/opencl"
)

// FakeDevice is a device engine for tests: it records the jobs routed to
// it and trains them on the CPU engine.
type FakeDevice struct {
	Jobs  []*device.Job // every job Run received, in order
	inner device.Engine
}

// Name implements device.Engine.
func (f *FakeDevice) Name() string { return "fake:0:0" }

// Run records the jobs and trains them on the CPU.
func (f *FakeDevice) Run(jobs []*device.Job) {
	f.Jobs = append(f.Jobs, jobs...)
	f.inner.Run(jobs)
}

// Close implements the dispatcher's accel.
func (f *FakeDevice) Close() {}

// Stats counts the jobs received as trained on the device.
func (f *FakeDevice) Stats() opencl.Stats { return opencl.Stats{DeviceJobs: int64(len(f.Jobs))} }

// NewWithDevice returns a dispatcher for spec ("auto" or "opencl") whose
// probe found the fake device f, with a CPU engine of workers goroutines.
func NewWithDevice(spec string, workers int, f *FakeDevice) *Dispatcher {
	d, err := New("cpu", workers)
	if err != nil {
		panic(err)
	}
	d.spec = spec
	f.inner = d.cpu.Load()
	d.ocl = f
	d.note = "fake device"
	return d
}
