package aidel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/libsia/sia/solver"
)

// Index is an ordered map from byte-string keys to values of type V (see
// the package documentation for its structure and what is safe
// concurrently). Keys are copied on insertion; the zero-length key is a
// valid key.
type Index[V any] struct {
	cfg    Config
	s      *solver.Solver // dgels mode
	sr     *solver.Solver // rank-revealing mode, same memo store
	fs     atomic.Pointer[firstStage[V]]
	n      atomic.Int64 // live keys
	nextID atomic.Int64 // memo IDs

	qmu    sync.Mutex
	queue  []*model[V]
	notify chan struct{}

	trainMu sync.Mutex // one pass at a time; guards spare and ps
	spare   spares[V]
	ps      passState[V]

	// testHookTrain, set by tests only, runs between a retrain's snapshot
	// and its training, with no lock held.
	testHookTrain func(*model[V])
	stats         statsCounters
	onTrain       atomic.Pointer[func(RetrainEvent)]
	onPass        atomic.Pointer[func(PassEvent)]
}

// firstStage maps keys to models: models[i] holds the keys in
// [fences[i], fences[i+1]); fences[0] is nil (all keys below fences[1]).
type firstStage[V any] struct {
	fences []string
	models []*model[V]
	hints  []uint64 // hint(fences[i], 0)
}

// newFirstStage returns the first stage over fences and models.
func newFirstStage[V any](fences []string, models []*model[V]) *firstStage[V] {
	fs := &firstStage[V]{fences: fences, models: models, hints: make([]uint64, len(fences))}
	for i, f := range fences {
		fs.hints[i] = hint(f, 0)
	}
	return fs
}

// find returns the index of the model that holds k.
func (fs *firstStage[V]) find(k string) int {
	h := hint(k, 0)
	i := sort.Search(len(fs.fences), func(i int) bool {
		if fs.hints[i] != h {
			return fs.hints[i] > h
		}
		return fs.fences[i] > k
	})
	return max(i-1, 0)
}

// New returns an empty index with cfg's parameters (defaults for zero
// fields), or an error wrapping ErrConfig.
func New[V any](cfg Config) (*Index[V], error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := c.Solver
	if s == nil {
		s = solver.New()
	}
	s.SetRCond(-1)
	sr := solver.New(solver.WithStore(s.Store()), solver.WithEngine(s.Engine()), solver.WithRCond(c.RCond))
	ix := &Index[V]{cfg: c, s: s, sr: sr, notify: make(chan struct{}, 1)}
	m := &model[V]{id: ix.nextID.Add(1), fit: newFit(nil), layout: newLayout[V](nil, nil, nil, nil)}
	ix.fs.Store(newFirstStage([]string{""}, []*model[V]{m}))
	return ix, nil
}

// Config returns the index's parameters with defaults filled in.
func (ix *Index[V]) Config() Config { return ix.cfg }

// ErrUnsorted is returned by BulkLoad for keys not strictly ascending.
var ErrUnsorted = errors.New("aidel: bulk-load keys not strictly ascending")

// BulkLoad replaces the index's contents with keys (strictly ascending in
// bytes.Compare order) and their values, partitioned into models by LPA.
// vals may be nil (zero values). It must not run concurrently with any
// other method. Keys are copied.
func (ix *Index[V]) BulkLoad(keys [][]byte, vals []V) error {
	if vals != nil && len(vals) != len(keys) {
		return fmt.Errorf("aidel: %d keys but %d values", len(keys), len(vals))
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			return fmt.Errorf("%w (at %d)", ErrUnsorted, i)
		}
	}
	ix.trainMu.Lock()
	defer ix.trainMu.Unlock()
	ents := make([]*entry[V], len(keys))
	arena := make([]entry[V], len(keys))
	var total int
	for _, k := range keys {
		total += len(k)
	}
	var sb strings.Builder // one allocation holds every key's bytes
	sb.Grow(total)
	for _, k := range keys {
		sb.Write(k)
	}
	all := sb.String()
	off := 0
	for i, k := range keys {
		e := &arena[i]
		e.key = all[off : off+len(k)]
		off += len(k)
		if vals != nil {
			e.val = vals[i]
		}
		ents[i] = e
	}
	models := ix.lpa(ents)
	models[0].fence = ""
	fences := make([]string, len(models))
	for i, m := range models {
		fences[i] = m.fence
	}
	old := ix.fs.Swap(newFirstStage(fences, models))
	for _, m := range old.models {
		m.mu.Lock()
		m.retired = true
		m.mu.Unlock()
		ix.s.Drop(m.id)
	}
	ix.qmu.Lock()
	ix.queue = nil
	ix.qmu.Unlock()
	ix.n.Store(int64(len(keys)))
	return nil
}

// view returns key as a string without copying, for lookups only: the
// string must not outlive the call (key may change afterwards).
func view(key []byte) string { return unsafe.String(unsafe.SliceData(key), len(key)) }

// bytesOf returns a stored key's bytes without copying; callers must not
// modify them (Range documents it).
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Len returns the number of keys.
func (ix *Index[V]) Len() int { return int(ix.n.Load()) }

// lockModel returns the model that holds k, locked for reading (write =
// false) or writing, retrying past retired models.
func (ix *Index[V]) lockModel(k string, write bool) *model[V] {
	for {
		fs := ix.fs.Load()
		m := fs.models[fs.find(k)]
		if write {
			m.mu.Lock()
		} else {
			m.mu.RLock()
		}
		if !m.retired {
			return m
		}
		if write {
			m.mu.Unlock()
		} else {
			m.mu.RUnlock()
		}
	}
}

// Get returns the value stored under key and whether there is one.
func (ix *Index[V]) Get(key []byte) (V, bool) {
	k := view(key)
	m := ix.lockModel(k, false)
	defer m.mu.RUnlock()
	if e := m.find(k); e != nil && !e.dead {
		return e.val, true
	}
	var zero V
	return zero, false
}

// Put stores val under key and reports whether the key is new. A new key
// goes into the sorted list behind its predecessor; its model is queued for
// retraining when its lists have grown past the configured bounds.
func (ix *Index[V]) Put(key []byte, val V) bool {
	k := view(key)
	m := ix.lockModel(k, true)
	i, eq := m.locate(k)
	l := m.list(i)
	var e *entry[V] // the key's entry, if it is there (perhaps deleted)
	j := 0
	if eq {
		e = m.ents[i]
	} else if jj, ok := searchList(l, k); ok {
		e = l[jj]
	} else {
		j = jj
	}
	if e != nil {
		e.val = val
		revived := e.dead
		e.dead = false
		m.mu.Unlock()
		if revived {
			ix.n.Add(1)
		}
		return revived
	}
	e = &entry[V]{key: string(key), val: val} // the copy
	l = append(l, nil)
	copy(l[j+1:], l[j:])
	l[j] = e
	m.setList(i, l)
	m.pending++
	due := (ix.due(m) || len(l) > ix.cfg.MaxList) && !m.inPass.Load() // in a pass: its install decides
	m.mu.Unlock()
	ix.n.Add(1)
	if due {
		ix.enqueue(m)
	}
	return true
}

// due reports whether m's lists hold enough keys to retrain it; the
// caller holds m's lock.
func (ix *Index[V]) due(m *model[V]) bool {
	return m.pending >= max(ix.cfg.MinRetrain, int(ix.cfg.RetrainFraction*float64(len(m.ents))))
}

// Delete removes key and reports whether it was present. The entry stays
// as a tombstone until its model's next retrain, which drops it (and
// removes its row from the model exactly, see the package documentation).
func (ix *Index[V]) Delete(key []byte) bool {
	k := view(key)
	m := ix.lockModel(k, true)
	e := m.find(k)
	ok := e != nil && !e.dead
	if ok {
		m.deletes++
		e.dead = true
		var zero V
		e.val = zero
	}
	m.mu.Unlock()
	if ok {
		ix.n.Add(-1)
	}
	return ok
}

// rangeChunk is how many entries Range collects under one model lock.
const rangeChunk = 64

// Range calls fn for every key ≥ from (all keys if from is nil) in
// ascending order with its value, until fn returns false. fn runs with no
// lock held and may call any method except BulkLoad; the scan sees every
// key present for its whole duration, and keys inserted or deleted during
// it may or may not be seen. The key slice must not be modified.
func (ix *Index[V]) Range(from []byte, fn func(key []byte, val V) bool) {
	type kv struct {
		k string
		v V
	}
	buf := make([]kv, 0, rangeChunk)
	key, excl := string(from), false // a copy: fn may reuse from
	for {
		fs := ix.fs.Load()
		mi := fs.find(key)
		m := fs.models[mi]
		m.mu.RLock()
		if m.retired {
			m.mu.RUnlock()
			continue
		}
		buf = buf[:0]
		take := func(e *entry[V]) bool {
			if !e.dead {
				buf = append(buf, kv{e.key, e.val})
			}
			return len(buf) < rangeChunk
		}
		after := func(k string) bool { return k > key || (k == key && !excl) }
		full := false
		i, _ := m.locate(key)
		// Entry i (≤ key) if it is key itself, the keys ≥ key in the list
		// after it (or the head), then every later entry and list.
		if i >= 0 && after(m.ents[i].key) {
			full = !take(m.ents[i])
		}
		l := m.list(i)
		j, _ := searchList(l, key)
		for ; j < len(l) && !full; j++ {
			if after(l[j].key) {
				full = !take(l[j])
			}
		}
		for i++; i < len(m.ents) && !full; i++ {
			if after(m.ents[i].key) {
				full = !take(m.ents[i])
			}
			for _, e := range m.list(i) {
				if full {
					break
				}
				full = !take(e)
			}
		}
		nextFence, more := "", mi+1 < len(fs.fences)
		if more {
			nextFence = fs.fences[mi+1]
		}
		m.mu.RUnlock()
		for _, p := range buf {
			if !fn(bytesOf(p.k), p.v) {
				return
			}
		}
		switch {
		case full:
			key, excl = buf[len(buf)-1].k, true
		case more:
			key, excl = nextFence, false
		default:
			return
		}
	}
}

// enqueue puts m in the retrain queue unless it is there.
func (ix *Index[V]) enqueue(m *model[V]) {
	if m.queued.Swap(true) {
		return
	}
	ix.qmu.Lock()
	ix.queue = append(ix.queue, m)
	ix.qmu.Unlock()
	select {
	case ix.notify <- struct{}{}:
	default:
	}
}

// Queued returns the number of models waiting to be retrained.
func (ix *Index[V]) Queued() int {
	ix.qmu.Lock()
	defer ix.qmu.Unlock()
	return len(ix.queue)
}

// Retrain retrains every queued model now, on the calling goroutine, in
// passes of up to Config.MaxPass models, and returns how many it
// retrained. Use it when no trainer is started (or to drain the queue); it
// waits for a running pass to finish.
func (ix *Index[V]) Retrain() (int, error) {
	total := 0
	for {
		popped, done := ix.pass()
		if popped == 0 {
			return total, nil
		}
		total += done
	}
}

// RetrainAll queues every model that holds keys not yet absorbed (or
// deleted keys) and retrains the queue now, like Retrain.
func (ix *Index[V]) RetrainAll() (int, error) {
	ix.queueDue()
	return ix.Retrain()
}

// queueDue queues every model that holds keys not yet absorbed or deleted
// keys.
func (ix *Index[V]) queueDue() {
	for _, m := range ix.fs.Load().models {
		m.mu.RLock()
		due := m.pending > 0
		for _, e := range m.ents {
			if due {
				break
			}
			due = e.dead
		}
		m.mu.RUnlock()
		if due {
			ix.enqueue(m)
		}
	}
}

// StartTrainer starts the background trainer goroutine, which retrains
// queued models as they arrive — every model queued when a pass starts, up
// to Config.MaxPass, in one pass — and returns a function that stops it and
// waits for it (queued models stay queued). Errors from retraining, which
// only a failing solver produces, are counted in Stats.TrainErrors.
func (ix *Index[V]) StartTrainer() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ix.notify:
			}
			for ctx.Err() == nil {
				if popped, _ := ix.pass(); popped == 0 {
					break
				}
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

// RetrainEvent describes one finished retrain (see OnRetrain).
type RetrainEvent struct {
	Mode     TrainMode
	Rows     int           // keys in the model after the retrain
	Absorbed int           // keys merged from its lists
	Dropped  int           // deleted keys removed
	Train    time.Duration // solver calls and error-bound work
	Total    time.Duration // the whole retrain, lock waits included
	Exact    bool          // an exact error pass was made
	Cold     bool          // the model was cold-trained
	Split    int           // models that replaced it (0: none)
}

// PassEvent describes one finished retraining pass (see OnPass): the
// models retrained together, of which Batched had their new rows trained
// in the pass's one solver.TrainBatch call.
type PassEvent struct {
	Models    int           // models retrained
	Batched   int           // jobs in the pass's TrainBatch call
	BatchRows int           // new rows in those jobs
	Absorbed  int           // keys merged from lists, all models
	Batch     time.Duration // the TrainBatch call
	Total     time.Duration // the whole pass: snapshots, training, installs
}

// OnPass registers fn to be called after every pass, after its models'
// OnRetrain calls, on the trainer's goroutine (nil removes it).
func (ix *Index[V]) OnPass(fn func(PassEvent)) {
	if fn == nil {
		ix.onPass.Store(nil)
		return
	}
	ix.onPass.Store(&fn)
}

// OnRetrain registers fn to be called after every retrain, on the
// trainer's goroutine (nil removes it).
func (ix *Index[V]) OnRetrain(fn func(RetrainEvent)) {
	if fn == nil {
		ix.onTrain.Store(nil)
		return
	}
	ix.onTrain.Store(&fn)
}

type statsCounters struct {
	retrains, exact, cold, splits, trainErrors atomic.Int64
	rankRevealing                              atomic.Int64
	absorbed                                   atomic.Int64
	trainNs                                    atomic.Int64
	passes, passModels, passNs, maxPassNs      atomic.Int64
}

// Stats is a snapshot of an index's counters.
type Stats struct {
	Keys        int           // live keys
	Models      int           // second-stage models
	Pending     int           // keys in sorted lists, not yet absorbed
	Queued      int           // models waiting for retraining
	Retrains    int64         // retrains done
	Absorbed    int64         // keys absorbed by retrains
	ExactPasses int64         // retrains that needed an exact error pass
	ColdTrains  int64         // retrains that cold-trained
	Splits      int64         // retrains that split the model
	TrainErrors int64         // failed retrains (background trainer)
	RankReveal  int64         // solves redone in rank-revealing mode (singular R)
	TrainTime   time.Duration // total time in RetrainEvent.Train
	Passes      int64         // retraining passes (PassEvent)
	PassModels  int64         // models retrained in them (mean pass size: PassModels/Passes)
	PassTime    time.Duration // total time in PassEvent.Total
	MaxPassTime time.Duration // the longest pass
	MaxErr      float64       // largest model error bound
}

// Stats returns the index's counters; it visits every model.
func (ix *Index[V]) Stats() Stats {
	fs := ix.fs.Load()
	st := Stats{
		Keys: ix.Len(), Models: len(fs.models), Queued: ix.Queued(),
		Retrains: ix.stats.retrains.Load(), Absorbed: ix.stats.absorbed.Load(),
		ExactPasses: ix.stats.exact.Load(), ColdTrains: ix.stats.cold.Load(),
		Splits: ix.stats.splits.Load(), TrainErrors: ix.stats.trainErrors.Load(),
		RankReveal: ix.stats.rankRevealing.Load(),
		TrainTime:  time.Duration(ix.stats.trainNs.Load()),
		Passes:     ix.stats.passes.Load(), PassModels: ix.stats.passModels.Load(),
		PassTime:    time.Duration(ix.stats.passNs.Load()),
		MaxPassTime: time.Duration(ix.stats.maxPassNs.Load()),
	}
	for _, m := range fs.models {
		m.mu.RLock()
		st.Pending += m.pending
		st.MaxErr = max(st.MaxErr, m.fit.errBound())
		m.mu.RUnlock()
	}
	return st
}
