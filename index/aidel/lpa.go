package aidel

import "slices"

// lcp returns the length of the longest common prefix of a and b.
func lcp(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// lpa partitions ents (live, strictly ascending) into models with the
// learning probe algorithm (AIDEL, Algorithm 1): a segment starts with
// LearningStep keys and its feature window at the prefix they share; while
// its error is within Threshold it absorbs the next LearningStep keys —
// solver.IncreTrain on those rows only, with the bound on the earlier rows
// widened rather than recomputed (an exact pass only when the widened bound
// crosses Threshold) — and once over, it backs off by
// LearningStep·LearningRate keys at a time — solver.DecreTrain of the last
// rows, a cold refit when the downdate is refused — until the error is
// within Threshold again (by at most half the segment at a time, so a short
// segment is not cut to one key by a long step). Positions are 0, 1, … within each model; every
// entry is marked absorbed. A segment of one key always qualifies, so LPA
// ends.
func (ix *Index[V]) lpa(ents []*entry[V]) []*model[V] {
	F := ix.cfg.FeatureBytes
	if len(ents) == 0 {
		m := &model[V]{id: ix.nextID.Add(1), fit: newFit(nil), layout: newLayout[V](nil, nil, nil, nil)}
		return []*model[V]{m}
	}
	N := len(ents)
	rank := make([]float64, N)
	for i := range rank {
		rank[i] = float64(i)
	}
	thr := ix.cfg.Threshold
	step := ix.cfg.LearningStep
	back := max(1, int(float64(step)*ix.cfg.LearningRate))
	var out []*model[V]
	for s := 0; s < N; {
		id := ix.nextID.Add(1)
		e := min(s+step, N)
		cols := columns(ents[s:e], lcp(ents[s].key, ents[e-1].key), F)
		f := ix.cold(id, cols, ents[s:e], rank[:e-s])
		for e < N && f.errBound() <= thr {
			e2 := min(e+step, N)
			nf, err := ix.incre(id, f, ents[e:e2], rank[e-s:e2-s])
			switch {
			case err != nil:
				nf = ix.cold(id, cols, ents[s:e2], rank[:e2-s])
			case nf.errBound() > thr:
				exact(&nf, ents[s:e2], rank[:e2-s])
			}
			f, e = nf, e2
		}
		for f.errBound() > thr && e-s > 1 {
			e2 := max(s+1, e-min(back, max(1, (e-s)/2)))
			nf, err := ix.decre(id, f, ents[e2:e], rank[e2-s:e-s])
			if err != nil {
				nf = ix.cold(id, cols, ents[s:e2], rank[:e2-s])
			} else {
				exact(&nf, ents[s:e2], rank[:e2-s])
			}
			f, e = nf, e2
		}
		m := &model[V]{id: id, fence: ents[s].key, fit: f,
			layout: newLayout(slices.Clone(ents[s:e]), slices.Clone(rank[:e-s]), nil, nil)}
		for _, x := range m.ents {
			x.absorbed = true
		}
		out = append(out, m)
		s = e
	}
	return out
}
