package aidel

// spares keeps the arrays of layouts that retrains replaced, for the next
// snapshot to reuse, and the trainer's scratch rows: in steady state a
// retrain allocates none of its O(m) arrays, so insert-heavy workloads do
// not feed the garbage collector (which taxes every goroutine). Only the
// trainer touches it, under Index.trainMu.
type spares[V any] struct {
	ents  [][]*entry[V]
	pos   [][]float64
	hints [][]uint64
	start [][]int32
	lists [][][]*entry[V]
	a, b  []float64 // solver rows and targets
	ac    []float64 // a copy of a for a rank-revealing retry
}

// maxSpares bounds each stack, so the spares stay a few models' worth.
const maxSpares = 4

// takeSpare pops a buffer with capacity ≥ n (length 0) from stack, or
// allocates one with room to grow.
func takeSpare[T any](stack *[][]T, n int) []T {
	s := *stack
	for i := len(s) - 1; i >= 0; i-- {
		if cap(s[i]) >= n {
			b := s[i][:0]
			s[i] = s[len(s)-1]
			s[len(s)-1] = nil
			*stack = s[:len(s)-1]
			return b
		}
	}
	return make([]T, 0, n+n/4+16)
}

// giveSpare clears b (dropping the references it holds) and keeps it.
func giveSpare[T any](stack *[][]T, b []T) {
	if cap(b) == 0 || len(*stack) >= maxSpares {
		return
	}
	b = b[:cap(b)]
	clear(b)
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
// reader can still be using them.
func (sp *spares[V]) recycle(l layout[V], lists [][]*entry[V]) {
	giveSpare(&sp.ents, l.ents)
	giveSpare(&sp.pos, l.pos)
	giveSpare(&sp.hints, l.hints)
	giveSpare(&sp.start, l.start)
	giveSpare(&sp.lists, lists)
}
