package aidel

import (
	"math"
	"slices"
	"strings"
	"time"
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

// take builds the snapshot of m in arrays from sp; the caller holds m's
// lock (shared) and the trainer's. It reads old entries only when the
// model saw deletes (their flags) or its prefix changed (their hints), so
// merging is sequential copying plus work on the new keys.
// Old entries keep their positions; k keys inserted after entry i go at
// fractions of the gap to entry i+1 (unit steps after the last entry,
// before the first one for the head).
func (m *model[V]) take(sp *spares[V]) *snapshot[V] {
	sn := &snapshot[V]{}
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
		return sn
	}
	addFresh(m.head, 0, m.pos[0], true)
	for i, e := range m.ents {
		if checkDead && e.dead {
			sn.dropped = append(sn.dropped, e)
			sn.dropEnts = append(sn.dropEnts, e)
			sn.dropPos = append(sn.dropPos, m.pos[i])
		} else {
			sn.ents = append(sn.ents, e)
			sn.pos = append(sn.pos, m.pos[i])
			sn.hints = append(sn.hints, m.hints[i])
		}
		if m.lists != nil && len(m.lists[i]) > 0 {
			hi := m.pos[i] + float64(len(m.lists[i])+1)
			if i+1 < len(m.ents) {
				hi = m.pos[i+1]
			}
			addFresh(m.lists[i], m.pos[i], hi, false)
		}
	}
	sn.setHints(m.ents, len(m.prefix))
	return sn
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

// retrain merges m's lists into its array and retrains it (see the package
// documentation); it splits m with LPA when its exact error exceeds
// Slack·Threshold.
func (ix *Index[V]) retrain(m *model[V]) error {
	ix.trainMu.Lock()
	defer ix.trainMu.Unlock()
	t0 := time.Now()
	m.mu.RLock()
	if m.retired {
		m.mu.RUnlock()
		return nil
	}
	m.queued.Store(false)
	deletes0 := m.deletes
	sn := m.take(&ix.spare)
	f := m.fit
	m.mu.RUnlock()
	if ix.testHookTrain != nil {
		ix.testHookTrain(m)
	}

	t1 := time.Now()
	ev := RetrainEvent{Mode: ix.cfg.Mode, Rows: len(sn.ents), Absorbed: len(sn.fresh), Dropped: len(sn.dropped)}
	if sn.dense {
		for i := range sn.pos {
			sn.pos[i] = float64(i)
		}
	}
	// The model's columns stay while it lives: its old rows were absorbed
	// with them.
	cold := ix.cfg.Mode == FullRefit || sn.dense
	if !cold && len(sn.dropEnts) > 0 {
		nf, err := ix.decre(m.id, f, sn.dropEnts, sn.dropPos)
		f, cold = nf, err != nil
	}
	if !cold && ix.cfg.Mode == Shifted {
		// SIndex's way: the merged array is renumbered 0, 1, …, so every
		// target moves; R absorbs the new rows and the solve is against
		// all rows (corrected semi-normal equations), with an exact pass.
		for i := range sn.pos {
			sn.pos[i] = float64(i)
		}
		nf, err := ix.shifted(m.id, f, sn.ents, sn.pos, sn.fresh)
		f, cold = nf, err != nil
		ev.Exact = !cold
	} else if !cold && len(sn.fresh) > 0 {
		fe := make([]*entry[V], len(sn.fresh))
		fp := make([]float64, len(sn.fresh))
		for j, i := range sn.fresh {
			fe[j], fp[j] = sn.ents[i], sn.pos[i]
		}
		nf, err := ix.incre(m.id, f, fe, fp)
		f, cold = nf, err != nil
	}
	lim := ix.cfg.Slack * ix.cfg.Threshold
	switch {
	case cold:
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
	ev.Train = time.Since(t1)
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
	oldLayout, oldLists := m.layout, m.lists
	m.deletes -= deletes0 // deletes since the snapshot may have hit the new array
	var due []*model[V]
	if parts == nil {
		m.layout, m.lists, m.head, m.fit = lay, lists, nil, f
		m.pending = 0
		for _, e := range late {
			m.insertLate(e)
		}
		if ix.due(m) {
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
		for _, e := range late {
			sub.models[sub.find(e.key)].insertLate(e)
		}
		for _, p := range parts {
			p.deletes = m.deletes // deletes since the snapshot may have hit any part
		}
		for _, p := range parts {
			if ix.due(p) {
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
	ix.spare.recycle(oldLayout, oldLists)
	if parts != nil {
		giveSpare(&ix.spare.ents, sn.ents)
		giveSpare(&ix.spare.pos, sn.pos)
		giveSpare(&ix.spare.hints, sn.hints)
		ix.s.Drop(m.id)
		ix.stats.splits.Add(1)
	}
	for _, d := range due {
		ix.enqueue(d)
	}
	ev.Total = time.Since(t0)
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
		(*fn)(ev)
	}
	return nil
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
	for _, l := range m.lists {
		pick(l)
	}
	for _, e := range dropped {
		if !e.dead {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *entry[V]) int { return strings.Compare(a.key, b.key) })
	return out
}

// insertLate appends e (given in key order) to the list it belongs in.
// The caller holds m's lock.
func (m *model[V]) insertLate(e *entry[V]) {
	i, _ := m.locate(e.key)
	l := append(m.list(i), e)
	m.setList(i, l)
	m.pending++
}
