package aidel

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/libsia/sia/solver"
)

// snapshot is a model's merged contents as the trainer sees them: the live
// entries in key order at their positions, which of them are new rows, and
// the absorbed entries that were deleted (rows to remove).
type snapshot[V any] struct {
	ents     []*entry[V]
	pos      []float64
	hints    []uint64    // search hints of ents (see hint)
	fresh    []int       // indexes in ents of entries not yet absorbed
	dropped  []*entry[V] // dead entries left out (absorbed or not)
	dropEnts []*entry[V] // the absorbed ones among them …
	dropPos  []float64   // … at the positions they were absorbed with
	dense    bool        // a gap too narrow to split: renumber and refit
}

// minGap is the narrowest gap, relative to the position, that new keys
// may be spread into; below it the positions are renumbered.
const minGap = 1e-6

// take builds the snapshot of m into sn, in arrays from sp; the caller
// holds m's lock (shared) and the trainer's. It reads old entries only when the
// model saw deletes (their flags) or its prefix changed (their hints), so
// merging is sequential copying plus work on the new keys.
// Old entries keep their positions; k keys inserted after entry i go at
// fractions of the gap to entry i+1 (unit steps after the last entry,
// before the first one for the head).
func (m *model[V]) take(sp *spares[V], sn *snapshot[V]) {
	sn.reset()
	n := len(m.ents) + m.pending
	sn.ents = takeSpare(&sp.ents, n)
	sn.pos = takeSpare(&sp.pos, n)
	sn.hints = takeSpare(&sp.hints, n)
	checkDead := m.deletes > 0
	addFresh := func(l []*entry[V], lo, hi float64, before bool) {
		k := 0
		for _, e := range l {
			if e.dead {
				sn.dropped = append(sn.dropped, e)
			} else {
				k++
			}
		}
		if k == 0 {
			return
		}
		step := (hi - lo) / float64(k+1)
		if before {
			step = 1
			lo = hi - float64(k+1)
		}
		if step < minGap*max(1, math.Abs(lo), math.Abs(hi)) {
			sn.dense = true
		}
		j := 0
		for _, e := range l {
			if !e.dead {
				j++
				sn.fresh = append(sn.fresh, len(sn.ents))
				sn.ents = append(sn.ents, e)
				sn.pos = append(sn.pos, lo+float64(j)*step)
				sn.hints = append(sn.hints, 0) // set below
			}
		}
	}
	if len(m.ents) == 0 {
		addFresh(m.head, -1, float64(len(m.head)), false) // positions 0, 1, …
		sn.setHints(nil, 0)
		return
	}
	addFresh(m.head, 0, m.pos[0], true)
	// Old entries are copied in runs between the lists (the used slots,
	// sorted), so the merge reads only what it moves.
	order := append(sp.order[:0], m.used...)
	slices.Sort(order)
	sp.order = order
	prev := 0
	run := func(hi int) {
		if !checkDead {
			sn.ents = append(sn.ents, m.ents[prev:hi]...)
			sn.pos = append(sn.pos, m.pos[prev:hi]...)
			sn.hints = append(sn.hints, m.hints[prev:hi]...)
			return
		}
		for i := prev; i < hi; i++ {
			if e := m.ents[i]; e.dead {
				sn.dropped = append(sn.dropped, e)
				sn.dropEnts = append(sn.dropEnts, e)
				sn.dropPos = append(sn.dropPos, m.pos[i])
			} else {
				sn.ents = append(sn.ents, e)
				sn.pos = append(sn.pos, m.pos[i])
				sn.hints = append(sn.hints, m.hints[i])
			}
		}
	}
	for _, u := range order {
		i := int(u)
		run(i + 1)
		prev = i + 1
		hi := m.pos[i] + float64(len(m.lists[i])+1)
		if i+1 < len(m.ents) {
			hi = m.pos[i+1]
		}
		addFresh(m.lists[i], m.pos[i], hi, false)
	}
	run(len(m.ents))
	sn.setHints(m.ents, len(m.prefix))
}

// reset empties sn for the next snapshot, keeping the capacity of its
// index arrays and dropping its references (the merged arrays themselves
// went to a layout or back to the spares).
func (sn *snapshot[V]) reset() {
	clear(sn.dropped)
	clear(sn.dropEnts)
	*sn = snapshot[V]{fresh: sn.fresh[:0], dropped: sn.dropped[:0], dropEnts: sn.dropEnts[:0], dropPos: sn.dropPos[:0]}
}

// setHints completes the snapshot's hints: the new keys' always, every
// key's when the shared prefix of the new array differs in length from
// that of old (whose hints were copied).
func (sn *snapshot[V]) setHints(old []*entry[V], oldPrefix int) {
	if len(sn.ents) == 0 {
		return
	}
	pl := lcp(sn.ents[0].key, sn.ents[len(sn.ents)-1].key)
	if pl != oldPrefix || len(old) == 0 {
		for i, e := range sn.ents {
			sn.hints[i] = hint(e.key, pl)
		}
		return
	}
	for _, i := range sn.fresh {
		sn.hints[i] = hint(sn.ents[i].key, pl)
	}
}

// work is one model's retrain within a pass: its snapshot, its fit as it
// is trained, and its event. The slots of a pass are reused by the next
// (their snapshot's index arrays with them).
type work[V any] struct {
	m        *model[V]
	sn       snapshot[V]
	f        fit
	deletes0 int
	cold     bool
	job      int // index of its job in the pass's batch, −1 if none
	lo, hi   int // its new rows in the pass's fresh arrays
	ev       RetrainEvent
	snap     time.Duration // taking the snapshot (the merge)
	t        time.Duration // its training so far, its share of the batch included
}

// passState is the trainer's reusable state for passes, guarded by
// Index.trainMu.
type passState[V any] struct {
	models []*model[V]
	work   []work[V]
	jobs   []solver.BatchJob
	fe     []*entry[V] // every batched model's new rows, model after model
	fp     []float64   // … and their positions
	a, b   []float64   // the batch's rows and targets
}

// pass pops up to Config.MaxPass queued models and retrains them as one
// pass (see retrainPass); it returns how many it popped (0: the queue was
// empty) and how many of them it retrained (retired ones are skipped).
func (ix *Index[V]) pass() (popped, done int) {
	ix.trainMu.Lock()
	defer ix.trainMu.Unlock()
	ps := &ix.ps
	ix.qmu.Lock()
	k := min(len(ix.queue), ix.cfg.MaxPass)
	ps.models = append(ps.models[:0], ix.queue[:k]...)
	clear(ix.queue[:k])
	ix.queue = ix.queue[k:]
	ix.qmu.Unlock()
	if k == 0 {
		return 0, 0
	}
	done = ix.retrainPass(ps.models)
	clear(ps.models)
	return k, done
}

// retrainPass retrains ms (distinct models) as one pass: it snapshots each
// model (merging its lists, see take), removes deleted rows and trains the
// Shifted and cold cases model by model, trains every incremental model's
// new rows in one solver.TrainBatch call — distinct memo IDs, so one
// launch on the engine — and then, model by model, widens and checks the
// error bound, splits where needed and installs the result, carrying over
// keys inserted since the snapshot. It returns the number of models
// retrained. The caller holds trainMu.
func (ix *Index[V]) retrainPass(ms []*model[V]) int {
	t0 := time.Now()
	ps := &ix.ps
	ix.spare.limit = ix.cfg.MaxPass + minSpares
	ws := ps.work[:0]
	for _, m := range ms {
		if len(ws) < cap(ws) {
			ws = ws[:len(ws)+1]
		} else {
			ws = append(ws, work[V]{})
		}
		w := &ws[len(ws)-1]
		ts := time.Now()
		m.mu.RLock()
		if m.retired {
			m.mu.RUnlock()
			ws = ws[:len(ws)-1]
			continue
		}
		m.queued.Store(false)
		m.inPass.Store(true)
		w.m, w.deletes0, w.f = m, m.deletes, m.fit
		m.take(&ix.spare, &w.sn)
		m.mu.RUnlock()
		w.snap = time.Since(ts)
	}
	ps.work = ws
	if ix.testHookTrain != nil {
		for i := range ws {
			ix.testHookTrain(ws[i].m)
		}
	}

	// Model by model: deletes, the Shifted and cold cases; gather the
	// incremental models' new rows.
	nfresh, nrows := 0, 0
	for i := range ws {
		w := &ws[i]
		t := time.Now()
		sn := &w.sn
		w.ev = RetrainEvent{Mode: ix.cfg.Mode, Rows: len(sn.ents), Absorbed: len(sn.fresh), Dropped: len(sn.dropped)}
		w.job = -1
		if sn.dense {
			for i := range sn.pos {
				sn.pos[i] = float64(i)
			}
		}
		// The model's columns stay while it lives: its old rows were
		// absorbed with them.
		w.cold = ix.cfg.Mode == FullRefit || sn.dense
		if !w.cold && len(sn.dropEnts) > 0 {
			nf, err := ix.decre(w.m.id, w.f, sn.dropEnts, sn.dropPos)
			w.f, w.cold = nf, err != nil
		}
		if !w.cold && ix.cfg.Mode == Shifted {
			// SIndex's way: the merged array is renumbered 0, 1, …, so
			// every target moves; R absorbs the new rows and the solve is
			// against all rows (corrected semi-normal equations), with an
			// exact pass.
			for i := range sn.pos {
				sn.pos[i] = float64(i)
			}
			nf, err := ix.shifted(w.m.id, w.f, sn.ents, sn.pos, sn.fresh)
			w.f, w.cold = nf, err != nil
			w.ev.Exact = !w.cold
		} else if !w.cold && len(sn.fresh) > 0 {
			w.job = len(ps.jobs) // counted below
			w.lo, w.hi = nfresh, nfresh+len(sn.fresh)
			nfresh += len(sn.fresh)
			n := len(w.f.cols) + 1
			nrows += max(len(sn.fresh), n)
		}
		w.t = time.Since(t)
	}

	// The batch: one IncreTrain job per incremental model.
	tb := time.Now()
	ps.fe = ps.fe[:0]
	ps.fp = ps.fp[:0]
	jobs := ps.jobs[:0]
	var batched int
	if nfresh > 0 {
		ncols := 0
		for i := range ws {
			if ws[i].job >= 0 {
				ncols += len(ws[i].sn.fresh) * (len(ws[i].f.cols) + 1)
			}
		}
		a := scratch(&ps.a, ncols)
		b := scratch(&ps.b, nrows)
		clear(b)
		ao, bo := 0, 0
		for i := range ws {
			w := &ws[i]
			if w.job < 0 {
				continue
			}
			sn := &w.sn
			for _, j := range sn.fresh {
				ps.fe = append(ps.fe, sn.ents[j])
				ps.fp = append(ps.fp, sn.pos[j])
			}
			k, n := len(sn.fresh), len(w.f.cols)+1
			ja, jb := a[ao:ao+k*n], b[bo:bo+max(k, n)]
			fillRows(ja, jb, ps.fe[w.lo:w.hi], ps.fp[w.lo:w.hi], w.f.cols)
			ao, bo = ao+k*n, bo+max(k, n)
			w.job = len(jobs)
			jobs = append(jobs, solver.BatchJob{ID: w.m.id, Layout: solver.RowMajor, M: k, N: n, NRHS: 1,
				A: ja, LDA: n, B: jb, LDB: 1})
		}
		ix.s.TrainBatch(jobs)
		batched = len(jobs)
	}
	batch := time.Since(tb)
	for i := range ws {
		w := &ws[i]
		if w.job < 0 {
			continue
		}
		t := time.Now()
		j := &jobs[w.job]
		fe, fp := ps.fe[w.lo:w.hi], ps.fp[w.lo:w.hi]
		if j.Err == nil {
			w.f = ix.update(w.f, j.B[:j.N])
			measure(&w.f, fe, fp, false)
		} else if solver.Code(j.Err) > 0 {
			// An exactly singular R: the rank-revealing solver (rows
			// rebuilt; the failed job changed nothing).
			nf, err := ix.incre(w.m.id, w.f, fe, fp)
			w.f, w.cold = nf, err != nil
		} else {
			w.cold = true
		}
		w.t += time.Since(t) + time.Duration(float64(batch)*float64(w.hi-w.lo)/float64(nfresh))
	}
	clear(jobs)
	ps.jobs = jobs[:0]

	// Model by model: bounds, splits, installs.
	for i := range ws {
		ix.finish(&ws[i])
	}
	absorbed := 0
	for i := range ws {
		absorbed += ws[i].ev.Absorbed
		ws[i].m, ws[i].f = nil, fit{}
		ws[i].sn.reset()
	}
	clear(ps.fe)
	pe := PassEvent{Models: len(ws), Batched: batched, BatchRows: nfresh, Absorbed: absorbed,
		Batch: batch, Total: time.Since(t0)}
	ix.stats.passes.Add(1)
	ix.stats.passModels.Add(int64(pe.Models))
	ix.stats.passNs.Add(int64(pe.Total))
	for {
		cur := ix.stats.maxPassNs.Load()
		if int64(pe.Total) <= cur || ix.stats.maxPassNs.CompareAndSwap(cur, int64(pe.Total)) {
			break
		}
	}
	if fn := ix.onPass.Load(); fn != nil {
		(*fn)(pe)
	}
	return len(ws)
}

// finish completes one model's retrain in a pass: the exact error pass or
// the cold refit it needs, a split when its error exceeds Slack·Threshold,
// and the install under the model's exclusive lock (see the package
// documentation).
func (ix *Index[V]) finish(w *work[V]) {
	t1 := time.Now()
	m, sn, f, ev := w.m, &w.sn, w.f, &w.ev
	lim := ix.cfg.Slack * ix.cfg.Threshold
	switch {
	case w.cold:
		f = ix.cold(m.id, f.cols, sn.ents, sn.pos)
		ev.Cold, ev.Exact = true, true
	case f.errBound() > lim:
		exact(&f, sn.ents, sn.pos)
		ev.Exact = true
	}
	var parts []*model[V]
	if f.errBound() > lim {
		parts = ix.lpa(sn.ents)
		ev.Split = len(parts)
	}
	for _, e := range sn.dropped {
		e.absorbed, e.taken = false, true
	}
	for _, i := range sn.fresh { // old entries are absorbed already
		sn.ents[i].absorbed = true
	}
	ev.Train = w.t + time.Since(t1)
	var lay layout[V]
	var lists [][]*entry[V]
	if parts == nil {
		// A model that took inserts will take more: its list slots are
		// allocated here rather than by the first Put (off the query path).
		lay = newLayout(sn.ents, sn.pos, sn.hints, &ix.spare)
		lists = takeSpare(&ix.spare.lists, len(sn.ents))[:len(sn.ents)]
	}

	m.mu.Lock()
	late := m.late(sn.dropped)
	oldLayout, oldLists, oldUsed, oldFit := m.layout, m.lists, m.used, m.fit
	m.deletes -= w.deletes0 // deletes since the snapshot may have hit the new array
	var due []*model[V]
	if parts == nil {
		m.layout, m.lists, m.head, m.fit = lay, lists, nil, f
		m.used = takeSpare(&ix.spare.used, 0)
		m.pending = 0
		long := false
		for _, e := range late {
			long = m.insertLate(e) > ix.cfg.MaxList || long
		}
		m.inPass.Store(false)
		if ix.due(m) || long {
			due = append(due, m)
		}
	} else {
		parts[0].fence = m.fence
		fs := ix.fs.Load()
		at := slices.Index(fs.models, m)
		fences := slices.Clone(fs.fences[:at])
		models := slices.Clone(fs.models[:at])
		subFences := make([]string, len(parts))
		for i, p := range parts {
			fences = append(fences, p.fence)
			models = append(models, p)
			subFences[i] = p.fence
		}
		fences = append(fences, fs.fences[at+1:]...)
		models = append(models, fs.models[at+1:]...)
		nfs := newFirstStage(fences, models)
		subFences[0] = ""
		sub := newFirstStage(subFences, parts)
		long := make([]bool, len(parts))
		for _, e := range late {
			p := sub.find(e.key)
			long[p] = sub.models[p].insertLate(e) > ix.cfg.MaxList || long[p]
		}
		for _, p := range parts {
			p.deletes = m.deletes // deletes since the snapshot may have hit any part
		}
		for i, p := range parts {
			if ix.due(p) || long[i] {
				due = append(due, p)
			}
		}
		m.retired = true
		ix.fs.Store(nfs)
	}
	m.mu.Unlock()
	for _, e := range sn.dropped {
		e.taken = false // gone, or back in a list as a new key
	}
	// The replaced arrays go to the spares, and after a split the
	// snapshot's too (LPA copied what it kept).
	ix.spare.recycle(oldLayout, oldLists, oldUsed)
	if parts == nil {
		ix.spare.recycleFit(oldFit, f)
	} else {
		lim := ix.spare.limit
		giveSpare(&ix.spare.ents, sn.ents, lim, true)
		giveSpare(&ix.spare.pos, sn.pos, lim, false)
		giveSpare(&ix.spare.hints, sn.hints, lim, false)
		ix.s.Drop(m.id)
		ix.stats.splits.Add(1)
	}
	for _, d := range due {
		ix.enqueue(d)
	}
	ev.Total = w.snap + w.t + time.Since(t1)
	ix.stats.retrains.Add(1)
	ix.stats.absorbed.Add(int64(ev.Absorbed))
	ix.stats.trainNs.Add(int64(ev.Train))
	if ev.Exact {
		ix.stats.exact.Add(1)
	}
	if ev.Cold {
		ix.stats.cold.Add(1)
	}
	if fn := ix.onTrain.Load(); fn != nil {
		(*fn)(*ev)
	}
}

// late returns, in key order, the entries that must stay outside the new
// array: those inserted after the snapshot (in a list, neither absorbed by
// this retrain nor taken out of it as deleted) and those
// the snapshot dropped as deleted but that were put again since. The
// caller holds m's lock.
func (m *model[V]) late(dropped []*entry[V]) []*entry[V] {
	var out []*entry[V]
	pick := func(l []*entry[V]) {
		for _, e := range l {
			if !e.absorbed && !e.taken {
				out = append(out, e)
			}
		}
	}
	pick(m.head)
	for _, i := range m.used {
		pick(m.lists[i])
	}
	for _, e := range dropped {
		if !e.dead {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *entry[V]) int { return strings.Compare(a.key, b.key) })
	return out
}

// checkInvariants turns on assertions of internal invariants that cost
// little but would panic in production; the package's tests set it.
var checkInvariants bool

// insertLate appends e (given in key order) to the list it belongs in and
// returns that list's length. The caller holds m's lock.
func (m *model[V]) insertLate(e *entry[V]) int {
	if checkInvariants && e.dead && e.taken {
		// A tombstone the snapshot dropped is gone for good: carried back
		// into a list it would be dropped again by every retrain, and the
		// model would stay due for ever.
		panic(fmt.Sprintf("aidel: deleted key %q carried into a list", e.key))
	}
	i, _ := m.locate(e.key)
	l := append(m.list(i), e)
	m.setList(i, l)
	m.pending++
	return len(l)
}
