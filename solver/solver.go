// Package solver is libsia's Go API and the orchestration behind the C API:
// argument handling, the dgels-compatible training calls and the memoized
// incremental path.
//
// A Solver pairs a memo store (package memo) with a training engine (package
// device). ColdTrain is a drop-in for LAPACK's dgels that, for trans = 'N' and
// m ≥ n, also memoizes the model's R factor and Qᵀb under a model ID;
// IncreTrain then absorbs only new rows into that memo: O(k·n²) for k rows,
// the same model a cold retrain on all rows would give.
//
// Calls follow LAPACKE_dgels conventions exactly (layouts, leading
// dimensions, the shape of b, result codes); failures are returned as *Error
// values wrapping the numeric code (see Code). A failed call changes nothing
// in the store.
package solver

import (
	"math"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/dispatch"
	"github.com/libsia/sia/memo"
)

// Solver trains models and memoizes their factors. It is safe for concurrent
// use: calls on different model IDs run in parallel, calls on one ID are
// serialized.
type Solver struct {
	store  *memo.Store
	engine atomic.Pointer[device.Engine]
	bufs   sync.Pool     // *scratch
	rcond  atomic.Uint64 // float64 bits; < 0: dgels mode
	refine atomic.Int64  // most correction steps of IncreTrainShifted
	route  atomic.Int32  // device.Route of IncreTrainShifted

	deviceErr string // why SIA_DEVICE was not honoured, if it was not
}

// Option configures a Solver.
type Option func(*Solver)

// WithStore makes the solver use store (e.g. one shared with another
// Solver) instead of a new one.
func WithStore(store *memo.Store) Option { return func(s *Solver) { s.store = store } }

// WithEngine makes the solver train on e instead of a one-worker CPU engine.
func WithEngine(e device.Engine) Option { return func(s *Solver) { s.SetEngine(e) } }

// WithRCond sets the rank-revealing mode from the start (see SetRCond).
func WithRCond(rcond float64) Option { return func(s *Solver) { s.SetRCond(rcond) } }

// WithRefineSteps sets the most correction steps of IncreTrainShifted (see
// SetRefineSteps).
func WithRefineSteps(steps int) Option { return func(s *Solver) { s.SetRefineSteps(steps) } }

// threadsFromEnv reads SIA_THREADS, the CPU engine's worker count (default
// 1, so that an index's query threads keep the other cores).
func threadsFromEnv() int {
	n, err := strconv.Atoi(os.Getenv("SIA_THREADS"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 256)
}

// New returns a Solver with a new, empty memo store and the CPU engine
// (SIA_THREADS workers, default 1), unless options say otherwise.
func New(opts ...Option) *Solver {
	s := &Solver{}
	s.SetRCond(-1)
	s.SetRefineSteps(DefaultRefineSteps)
	for _, o := range opts {
		o(s)
	}
	if s.store == nil {
		s.store = memo.New()
	}
	if s.engine.Load() == nil {
		d, err := dispatch.New(os.Getenv("SIA_DEVICE"), threadsFromEnv())
		if err != nil {
			// A bad or unavailable SIA_DEVICE must not stop the library
			// from loading: train on the CPU and say why in
			// DescribeDevice.
			s.deviceErr = err.Error()
			d, err = dispatch.New("cpu", threadsFromEnv())
		}
		if err != nil {
			// "cpu" does not fail; were it to, a bare CPU engine keeps the
			// library usable (a nil dispatcher would not).
			s.deviceErr += "; cpu dispatcher: " + err.Error()
			s.SetEngine(&cpu.Engine{Workers: threadsFromEnv()})
		} else {
			s.SetEngine(d)
		}
	}
	return s
}

// SetRCond selects how ColdTrain (trans 'N', m ≥ n), IncreTrain and
// IncreTrainShifted solve. rcond < 0 (the default) is dgels's behaviour: the
// triangular solve, failing with i > 0 when R(i,i) is exactly zero. rcond ≥ 0
// is the rank-revealing mode: the minimum-norm least-squares solution that
// LAPACK's dgelss returns for the same rcond (singular values σ_i ≤
// rcond·σ_max count as zero), computed from the memoized n × n factor in
// O(n³) whatever m; rank-deficient models are memoized too. (dgelss reads a
// negative rcond as machine precision; pass 2.2e-16 for that.) Safe to call
// concurrently with training; a call in flight uses the value it read.
func (s *Solver) SetRCond(rcond float64) {
	if math.IsNaN(rcond) {
		rcond = -1
	}
	s.rcond.Store(math.Float64bits(rcond))
}

// RCond returns the value set by SetRCond.
func (s *Solver) RCond() float64 { return math.Float64frombits(s.rcond.Load()) }

// Limits of SetRefineSteps.
const (
	// DefaultRefineSteps is the default most correction steps of
	// IncreTrainShifted: enough for κ up to about 1e8 (measured, README).
	DefaultRefineSteps = 8
	// MaxRefineSteps is the largest accepted setting.
	MaxRefineSteps = 32
)

// SetRefineSteps sets the most correction steps (clamped to 0 …
// MaxRefineSteps; default DefaultRefineSteps) IncreTrainShifted may apply
// to its semi-normal equations before refusing with ErrCold. Corrections
// stop as soon as they converge, so a larger limit costs nothing on
// well-conditioned models; a smaller one refuses sooner. 0 returns the
// uncorrected semi-normal solution unchecked — for measurements only: it
// can be wrong by κ²·ε with no error.
func (s *Solver) SetRefineSteps(steps int) { s.refine.Store(int64(min(max(steps, 0), MaxRefineSteps))) }

// RefineSteps returns the value set by SetRefineSteps.
func (s *Solver) RefineSteps() int { return int(s.refine.Load()) }

// SetShiftedRoute fixes how IncreTrainShifted solves, for tests and
// measurements that compare the routes: device.RouteCsne (corrected
// semi-normal equations with the memoized R: O(k·n²) plus passes of O(m·n)
// over all rows), device.RouteRefactor (all m rows factored afresh, as
// ColdTrain would: O(m·n²)) or device.RouteAuto (the default: the engine
// takes the one its cost model predicts cheaper). Both routes give the
// least-squares solution and leave the memo consistent with all m rows.
func (s *Solver) SetShiftedRoute(r device.Route) { s.route.Store(int32(r)) }

// WithShiftedRoute sets the route of IncreTrainShifted (see
// SetShiftedRoute).
func WithShiftedRoute(r device.Route) Option { return func(s *Solver) { s.SetShiftedRoute(r) } }

// Store returns the solver's memo store.
func (s *Solver) Store() *memo.Store { return s.store }

// Engine returns the solver's training engine.
func (s *Solver) Engine() device.Engine { return *s.engine.Load() }

// SetEngine makes the solver train on e from now on; calls in flight finish
// on the engine they started with.
func (s *Solver) SetEngine(e device.Engine) { s.engine.Store(&e) }

// SetThreads sets the CPU engine's workers (n < 1 means 1): a batch's jobs
// run in parallel, and a single large cold job is split across the
// workers. With a dispatcher (the default engine) the device selection is
// kept; another engine is replaced by a CPU engine. Calls in flight finish
// with the setting they started with.
func (s *Solver) SetThreads(n int) {
	if d, ok := s.Engine().(*dispatch.Dispatcher); ok {
		d.SetThreads(n)
		return
	}
	s.SetEngine(&cpu.Engine{Workers: max(n, 1)})
}

// SelectDevice selects the training engine by spec: "auto", "cpu",
// "opencl" or "opencl:<platform>:<device>" (see package dispatch). On error
// (unknown spec, no such device) the current engine stays. The CPU worker
// count is kept. The replaced engine is closed (its OpenCL objects are
// released once its batches in flight finish).
func (s *Solver) SelectDevice(spec string) error {
	workers := 1
	if d, ok := s.Engine().(*dispatch.Dispatcher); ok {
		workers = d.Workers()
	}
	d, err := dispatch.New(spec, workers)
	if err != nil {
		return err
	}
	old := s.Engine()
	s.SetEngine(d)
	// The replaced engine's device objects go once its batches in flight
	// have finished; a call that still holds it trains on the CPU engine
	// (dispatch.Dispatcher.Close).
	if c, ok := old.(interface{ Close() }); ok {
		c.Close()
	}
	return nil
}

// DescribeDevice reports the engines found and the selection.
func (s *Solver) DescribeDevice() string {
	var out string
	if s.deviceErr != "" {
		out = "SIA_DEVICE not honoured: " + s.deviceErr + "\n"
	}
	if d, ok := s.Engine().(*dispatch.Dispatcher); ok {
		return out + d.Describe()
	}
	return out + "engine: " + s.Engine().Name() + "\n"
}

// Drop deletes the memo of id and reports whether it had one.
func (s *Solver) Drop(id int64) bool { return s.store.Drop(id) }

// Clear deletes every memo.
func (s *Solver) Clear() { s.store.Clear() }

// Count returns the number of memoized models.
func (s *Solver) Count() int { return s.store.Count() }

// Memo returns a copy of id's memo (R packed, Qᵀb, rows absorbed, residual
// sums of squares), or nil if it has none.
func (s *Solver) Memo(id int64) *memo.Model { return s.store.Get(id) }

// scratch is a pooled device job with the buffer its T, RSS and X are
// carved from (a tiny incre_train spent a tenth of its time allocating
// them).
type scratch struct {
	buf []float64
	job device.Job
}

// put returns a job's scratch to the pool, dropping the job's references
// to the caller's rows (no caller memory is kept past a call).
func (s *Solver) put(sc *scratch) {
	sc.job = device.Job{}
	s.bufs.Put(sc)
}

// job prepares a device job for a model of shape (n, nrhs) over rows, with
// T, RSS and X carved out of one pooled buffer; give it back with put.
func (s *Solver) job(n, nrhs int, rows device.Rows) (*device.Job, *scratch) {
	nc := n + nrhs
	need := n*nc + nrhs + n*nrhs
	sc, _ := s.bufs.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	if cap(sc.buf) < need {
		sc.buf = make([]float64, need)
	}
	buf := sc.buf[:need]
	rcond := s.RCond()
	sc.job = device.Job{
		N: n, NRHS: nrhs,
		T:       buf[:n*nc],
		RSS:     buf[n*nc : n*nc+nrhs],
		X:       buf[n*nc+nrhs:],
		New:     rows,
		Solve:   true,
		MinNorm: rcond >= 0,
		RCond:   rcond,
	}
	clear(sc.job.RSS)
	return &sc.job, sc
}

// SetMemoLimit bounds the memo store's accounted bytes (≤ 0: unbounded);
// least recently used memos are evicted beyond it, and their next
// IncreTrain returns ErrNoMemo.
func (s *Solver) SetMemoLimit(bytes int64) { s.store.SetLimit(bytes) }

// MemoStats returns the memo store's counters.
func (s *Solver) MemoStats() memo.Stats { return s.store.Stats() }
