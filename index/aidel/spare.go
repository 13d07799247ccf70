package aidel

// spares keeps the arrays of layouts that retrains replaced, for the next
// snapshots to reuse, and the trainer's scratch arrays (solver rows, the
// pass's batch, the per-model work of a pass): in steady state a retrain
// allocates none of its O(m) arrays, so insert-heavy workloads do not feed
// the garbage collector (which taxes every goroutine). Only the trainer
// touches it, under Index.trainMu.
type spares[V any] struct {
	ents  [][]*entry[V]
	pos   [][]float64
	hints [][]uint64
	start [][]int32
	lists [][][]*entry[V] // all slots nil (recycle clears the used ones)
	used  [][]int32
	order []int32     // take's sorted copy of a model's used list slots
	vecs  [][]float64 // weights and column ranges of replaced fits
	a, b  []float64   // solver rows and targets
	ac    []float64   // a copy of a for a rank-revealing retry
	dw    []float64   // a weight change (update)
	limit int         // most arrays kept per stack (a pass's worth)
}

// minSpares is the least number of arrays each stack keeps; a pass of p
// models keeps up to p + minSpares (see Index.spareLimit).
const minSpares = 4

// takeSpare pops the smallest buffer with capacity ≥ n (length 0) from
// stack — best fit, so that a pass's models of different sizes each find
// theirs — or allocates one with room to grow.
func takeSpare[T any](stack *[][]T, n int) []T {
	s := *stack
	best := -1
	for i := range s {
		if cap(s[i]) >= n && (best < 0 || cap(s[i]) < cap(s[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]T, 0, n+n/4+16)
	}
	b := s[best][:0]
	s[best] = s[len(s)-1]
	s[len(s)-1] = nil
	*stack = s[:len(s)-1]
	return b
}

// giveSpare keeps b, cleared when zero is set (arrays of pointers, so as
// not to keep what they point to alive; plain numbers are overwritten by
// the next user); when the stack holds limit arrays already, the smallest
// of them and b is let go.
func giveSpare[T any](stack *[][]T, b []T, limit int, zero bool) {
	if cap(b) == 0 {
		return
	}
	if len(*stack) >= max(limit, minSpares) {
		s := *stack
		small := 0
		for i := range s {
			if cap(s[i]) < cap(s[small]) {
				small = i
			}
		}
		if cap(s[small]) >= cap(b) {
			return
		}
		s[small] = s[len(s)-1]
		s[len(s)-1] = nil
		*stack = s[:len(s)-1]
	}
	if zero {
		clear(b[:cap(b)])
	}
	*stack = append(*stack, b[:0])
}

// scratch returns buf grown to length n (contents undefined).
func scratch(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n+n/4+16)
	}
	return (*buf)[:n]
}

// recycle gives a replaced layout's arrays and list slots to the spares.
// The caller has swapped them out under the model's exclusive lock, so no
// reader can still be using them. Only the used list slots are cleared:
// the others are nil already.
func (sp *spares[V]) recycle(l layout[V], lists [][]*entry[V], used []int32) {
	giveSpare(&sp.ents, l.ents, sp.limit, true)
	giveSpare(&sp.pos, l.pos, sp.limit, false)
	giveSpare(&sp.hints, l.hints, sp.limit, false)
	giveSpare(&sp.start, l.start, sp.limit, false)
	for _, i := range used {
		lists[i] = nil
	}
	giveSpare(&sp.lists, lists, sp.limit, false)
	giveSpare(&sp.used, used, sp.limit, false)
}

// recycleFit gives the weight and range vectors of a fit replaced under
// the model's exclusive lock to the spares, unless keep (the new fit)
// still uses them.
func (sp *spares[V]) recycleFit(old, keep fit) {
	for _, v := range [][]float64{old.w, old.colMin, old.colMax} {
		if len(v) > 0 && !sharesArray(v, keep.w) && !sharesArray(v, keep.colMin) && !sharesArray(v, keep.colMax) {
			giveSpare(&sp.vecs, v, 3*sp.limit, false)
		}
	}
}

// sharesArray reports whether a and b start at the same element.
func sharesArray(a, b []float64) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

// vec returns a length-n vector from the spares (contents undefined).
func (sp *spares[V]) vec(n int) []float64 { return takeSpare(&sp.vecs, n)[:n] }
