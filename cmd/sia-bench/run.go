package main

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libsia/sia/index/aidel"
	"github.com/libsia/sia/index/keys"
)

// workload is a YCSB-like operation mix.
type workload struct {
	read   float64 // fraction of point reads (the rest inserts, unless scan)
	scan   bool    // the reads are short scans (1–100 keys)
	latest bool    // reads pick recently inserted keys (Zipf over recency)
}

var workloads = map[string]workload{
	"D":   {read: 0.95, latest: true},
	"E":   {read: 0.95, scan: true},
	"mix": {read: 0.5},
}

func validMode(m string) bool {
	return m == "btree" || m == "full" || m == "shifted" || m == "incremental" || m == "ideal"
}

// result is one run's measurements.
type result struct {
	Len        int
	Workload   string
	Mode       string
	Keys, Ops  int
	Threads    int
	Seconds    float64 // measured time (ideal: training pauses excluded)
	Mops       float64
	MopsMin    float64 // the slowest and fastest of the repetitions
	MopsMax    float64
	Reps       int
	P50, P99   time.Duration
	MemPerKey  float64 // heap bytes per key after the bulk load
	BuildSec   float64
	Models     int
	Retrains   int64
	Absorbed   int64
	TrainSec   float64
	Exact      int64
	Splits     int64
	PendingEnd int           // keys in sorted lists at the end
	Missing    int           // inserted keys not found afterwards (must be 0)
	Passes     int64         // retraining passes
	PassModels float64       // mean models per pass
	PassP99    time.Duration // p99 of a pass's whole time
	PassSec    float64       // all passes' time (Stats.PassTime): the trainer's busy time
}

// runOne builds the store for mode, runs the workload and verifies it.
func runOne(p params, length int, wname, mode string, stream, sorted [][]byte, prog *progress) (result, error) {
	wl := workloads[wname]
	res := result{Len: length, Workload: wname, Mode: mode, Keys: p.keys, Ops: p.ops, Threads: p.threads}
	m0 := heap()
	t0 := time.Now()
	var st store
	var ix *aidel.Index[uint64]
	if mode == "btree" {
		st = newBT(sorted)
	} else {
		cfg := aidel.Config{FeatureBytes: length, Mode: aidel.Incremental}
		switch mode {
		case "full":
			cfg.Mode = aidel.FullRefit
		case "shifted":
			cfg.Mode = aidel.Shifted
		}
		var err error
		if ix, err = aidel.New[uint64](cfg); err != nil {
			return res, err
		}
		if err := ix.BulkLoad(sorted, nil); err != nil {
			return res, err
		}
		st = learned{ix}
	}
	res.BuildSec = time.Since(t0).Seconds()
	res.MemPerKey = float64(heap()-m0) / float64(p.keys)

	var passTimes []time.Duration // appended by the trainer (or the coordinator), read after it stopped
	if ix != nil {
		ix.OnPass(func(ev aidel.PassEvent) { passTimes = append(passTimes, ev.Total) })
	}
	var stopTrainer func()
	if ix != nil && mode != "ideal" {
		stopTrainer = ix.StartTrainer()
	}
	var (
		world  sync.RWMutex // ideal: the coordinator stops the workers to train
		paused time.Duration
		next   atomic.Int64 // stream index of the next insert
		done   atomic.Int64 // operations started
		hists  = make([]hist, p.threads)
		wg     sync.WaitGroup
	)
	next.Store(int64(p.keys))
	const chunk = 64
	start := time.Now()
	for w := range p.threads {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(p.seed, uint64(w)+1000*uint64(length)))
			zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(stream)))
			h := &hists[w]
			for {
				if done.Add(chunk)-chunk >= int64(p.ops) {
					return
				}
				world.RLock()
				for range chunk {
					present := next.Load()
					t := time.Now()
					switch {
					case rng.Float64() >= wl.read:
						i := next.Add(1) - 1
						if i < int64(len(stream)) {
							st.put(stream[i], uint64(i))
						}
					case wl.scan:
						st.scan(stream[rng.Int64N(present)], 1+rng.IntN(100))
					case wl.latest:
						r := min(int64(zipf.Uint64()), present-1)
						st.get(stream[present-1-r])
					default:
						st.get(stream[rng.Int64N(present)])
					}
					h.add(time.Since(t))
				}
				world.RUnlock()
			}
		})
	}
	finished := make(chan struct{})
	var coord sync.WaitGroup
	var retrainErr error // ideal: the first failed Retrain
	coord.Go(func() {
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-finished:
				return
			case <-tick.C:
			}
			prog.inner(float64(min(done.Load(), int64(p.ops))) / float64(p.ops))
			if mode == "ideal" && ix.Queued() > 0 {
				world.Lock()
				t := time.Now()
				if _, err := ix.Retrain(); err != nil && retrainErr == nil {
					retrainErr = err
				}
				paused += time.Since(t)
				world.Unlock()
			}
		}
	})
	wg.Wait()
	elapsed := time.Since(start)
	close(finished)
	coord.Wait()
	if stopTrainer != nil {
		stopTrainer()
	}
	if retrainErr != nil {
		return res, fmt.Errorf("ideal mode: retrain: %w", retrainErr)
	}
	res.Seconds = (elapsed - paused).Seconds()
	var h hist
	for i := range hists {
		h.merge(&hists[i])
	}
	res.Mops = float64(h.n) / res.Seconds / 1e6
	res.P50, res.P99 = h.quantile(0.50), h.quantile(0.99)
	if ix != nil {
		s := ix.Stats()
		res.Models, res.Retrains, res.Absorbed = s.Models, s.Retrains, s.Absorbed
		res.TrainSec, res.Exact, res.Splits, res.PendingEnd = s.TrainTime.Seconds(), s.ExactPasses, s.Splits, s.Pending
		res.Passes, res.PassSec = s.Passes, s.PassTime.Seconds()
		if s.Passes > 0 {
			res.PassModels = float64(s.PassModels) / float64(s.Passes)
		}
		if len(passTimes) > 0 {
			slices.Sort(passTimes)
			res.PassP99 = passTimes[min(len(passTimes)-1, len(passTimes)*99/100)]
		}
		if s.TrainErrors > 0 {
			return res, fmt.Errorf("%d retrains failed", s.TrainErrors)
		}
	}
	for i := range min(next.Load(), int64(len(stream))) {
		if !st.get(stream[i]) {
			res.Missing++
		}
	}
	if res.Missing > 0 {
		return res, fmt.Errorf("%s/%s/%d: %d inserted keys not found", wname, mode, length, res.Missing)
	}
	return res, nil
}

// heap returns the bytes of live heap objects after two collections: the
// first frees garbage, the second the objects sync.Pools keep for one
// cycle (the solver's pooled work arrays, which otherwise made the heap
// after a full-refit run look larger).
// median returns the run with the median throughput, its MopsMin and
// MopsMax set to the extremes of rs.
func median(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.Mops, b.Mops) })
	m := rs[len(rs)/2]
	m.MopsMin, m.MopsMax, m.Reps = rs[0].Mops, rs[len(rs)-1].Mops, len(rs)
	return m
}

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// run does every run, the sweep, and writes the outputs.
func run(p params) error {
	if err := os.MkdirAll(p.out, 0o755); err != nil {
		return err
	}
	total := len(p.lens) * len(p.workloads) * len(p.modes) * p.reps
	if p.sweepLen > 0 {
		total++
	}
	prog := newProgress(total)
	var results []result
	maxIns := 0
	for _, w := range p.workloads {
		maxIns = max(maxIns, int(float64(p.ops)*(1-workloads[w].read)*1.1)+64*p.threads+64)
	}
	for _, length := range p.lens {
		prog.note(fmt.Sprintf("generating %d keys of %d bytes", p.keys+maxIns, length))
		stream, err := keys.Distinct(p.family, length, p.keys+maxIns, p.seed+uint64(length))
		if err != nil {
			return err
		}
		sorted := keys.Sorted(stream[:p.keys])
		for _, w := range p.workloads {
			// Repetitions interleave the modes, so that drift in the
			// machine's speed reaches them alike; each mode reports its
			// median run by throughput, with the spread.
			runs := make(map[string][]result)
			for rep := range p.reps {
				for _, mode := range p.modes {
					prog.start(fmt.Sprintf("len %d, workload %s, %s, run %d/%d", length, w, mode, rep+1, p.reps))
					r, err := runOne(p, length, w, mode, stream, sorted, prog)
					if err != nil {
						return err
					}
					runs[mode] = append(runs[mode], r)
					prog.done()
				}
			}
			for _, mode := range p.modes {
				results = append(results, median(runs[mode]))
			}
		}
	}
	var sweep []sweepPoint
	if p.sweepLen > 0 {
		prog.start(fmt.Sprintf("retraining sweep, len %d", p.sweepLen))
		var err error
		if sweep, err = retrainSweep(p, prog); err != nil {
			return err
		}
		prog.done()
	}
	prog.finish()
	if err := writeResults(filepath.Join(p.out, "results.csv"), results); err != nil {
		return err
	}
	if err := writeSweep(filepath.Join(p.out, "retrain.csv"), sweep); err != nil {
		return err
	}
	if err := plots(p, results, sweep); err != nil {
		return err
	}
	return printTable(os.Stdout, p, results, sweep)
}

// sweepPoint is one retraining measurement: Models models (one, except in
// the pass series) of Rows keys in all absorbing Absorbed new ones, in
// Mode, taking Seconds (median of the repetitions).
type sweepPoint struct {
	Series   string // "size" (k = 5 % of m), "absorbed" (m fixed) or "pass" (one pass over several models)
	Mode     string
	Rows     int
	Absorbed int
	Seconds  float64 // solver calls and error bound (RetrainEvent.Train, summed over the pass)
	Total    float64 // the whole retrain or pass, list merge included
	Models   int
}

// sweepModes are the retraining methods the sweep compares, in table order.
var sweepModes = []aidel.TrainMode{aidel.FullRefit, aidel.Shifted, aidel.Incremental}

// sweepReps is how many times retrainSweep times each (series, size, mode);
// it reports the median.
const sweepReps = 5

// retrainSweep measures one model's retraining time (the whole retrain and
// its solver-and-bound part, RetrainEvent.Total and .Train) per method:
// full refit, SIndex-style shifted positions, and incremental, versus model size at
// k = m/20 and versus keys absorbed at a fixed size: the SIA paper's
// Figure 1 and 9 shape: the median of sweepReps interleaved rounds.
func retrainSweep(p params, prog *progress) ([]sweepPoint, error) {
	mMax := p.sweepMax
	pool, err := keys.Distinct(p.family, p.sweepLen, mMax*2+16, p.seed+99)
	if err != nil {
		return nil, err
	}
	type job struct {
		series string
		m, k   int
	}
	var jobs []job
	for m := 1 << 10; m <= mMax; m *= 4 {
		jobs = append(jobs, job{"size", m, max(1, m/20)})
	}
	fixed := max(1<<10, mMax/4)
	for d := 256; d >= 1; d /= 4 {
		jobs = append(jobs, job{"absorbed", fixed, max(1, fixed/d)})
	}
	var out []sweepPoint
	for ji, j := range jobs {
		prog.inner(float64(ji) / float64(len(jobs)))
		base := keys.Sorted(pool[:j.m])
		add := pool[j.m : j.m+j.k]
		// sweepReps rounds, the modes interleaved within each, so that a
		// slow stretch of the machine falls on every mode alike.
		times := make([][]float64, len(sweepModes))
		totals := make([][]float64, len(sweepModes))
		for range sweepReps {
			for mi, mode := range sweepModes {
				// One model: no threshold to split on, no automatic retrain.
				ix, err := aidel.New[uint64](aidel.Config{FeatureBytes: p.sweepLen, Threshold: 1e15,
					LearningStep: j.m, MinRetrain: 1 << 40, MaxList: 1 << 40, RetrainFraction: 1e9, Mode: mode})
				if err != nil {
					return nil, err
				}
				if err := ix.BulkLoad(base, nil); err != nil {
					return nil, err
				}
				for _, k := range add {
					ix.Put(k, 1)
				}
				var train, all time.Duration
				ix.OnRetrain(func(ev aidel.RetrainEvent) { train += ev.Train; all += ev.Total })
				if n, err := ix.RetrainAll(); err != nil || n != 1 {
					return nil, fmt.Errorf("sweep retrain: %d models, %v", n, err)
				}
				times[mi] = append(times[mi], train.Seconds())
				totals[mi] = append(totals[mi], all.Seconds())
			}
		}
		for mi, mode := range sweepModes {
			slices.Sort(times[mi])
			slices.Sort(totals[mi])
			out = append(out, sweepPoint{j.series, mode.String(), j.m, j.k, times[mi][sweepReps/2], totals[mi][sweepReps/2], 1})
		}
	}
	prog.inner(1)
	ps, err := passSweep(p)
	return append(out, ps...), err
}

// passSweep measures whole retraining passes: LPA (default parameters)
// partitions n keys into models of a few thousand keys, 5 % more keys are
// inserted at random, and RetrainAll retrains every model in one pass
// (PassEvent.Total; the models' RetrainEvent.Train summed), for n up to
// twice the sweep's largest model — what the trainer does when it finds
// several models queued.
func passSweep(p params) ([]sweepPoint, error) {
	var out []sweepPoint
	for n := 1 << 13; n <= 2*p.sweepMax; n *= 4 {
		k := n / 20
		pool, err := keys.Distinct(p.family, p.sweepLen, n+k, p.seed+uint64(n))
		if err != nil {
			return nil, err
		}
		base := keys.Sorted(pool[:n])
		for _, mode := range sweepModes {
			var times, totals []float64
			models := 0
			for range 3 {
				ix, err := aidel.New[uint64](aidel.Config{FeatureBytes: p.sweepLen, MaxPass: 1 << 20,
					MinRetrain: 1 << 40, MaxList: 1 << 40, RetrainFraction: 1e9, Mode: mode})
				if err != nil {
					return nil, err
				}
				if err := ix.BulkLoad(base, nil); err != nil {
					return nil, err
				}
				for _, key := range pool[n:] {
					ix.Put(key, 1)
				}
				var train time.Duration
				var pass aidel.PassEvent
				passes := 0
				ix.OnRetrain(func(ev aidel.RetrainEvent) { train += ev.Train })
				ix.OnPass(func(ev aidel.PassEvent) { pass = ev; passes++ })
				if _, err := ix.RetrainAll(); err != nil || passes != 1 {
					return nil, fmt.Errorf("pass sweep: %d passes, %v", passes, err)
				}
				times = append(times, train.Seconds())
				totals = append(totals, pass.Total.Seconds())
				models = pass.Models
			}
			slices.Sort(times)
			slices.Sort(totals)
			out = append(out, sweepPoint{"pass", mode.String(), n, k, times[1], totals[1], models})
		}
	}
	return out, nil
}
