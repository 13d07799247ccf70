package cpu

import "sync"

// larfCols applies the reflector H = I − tau·[1; v]·[1; v]ᵀ from the left to
// the columns c0 ≤ c < c1 of the stacked matrix [t; W], where t is one row
// (t[c] is the element in column c) and W is column-major with leading
// dimension ldw and len(v) rows:
//
//	s       = t[c] + vᵀ·W[:,c]
//	t[c]   −= tau·s
//	W[:,c] −= tau·s·v
//
// Four columns are processed per pass over v so each v[i] is loaded once for
// four dot products and once for four updates (about 4·len(v) flops per
// column).
//
// ws holds the kernels' small operand arrays: they are passed to kernels
// through function values, so the compiler cannot keep them on the stack,
// and a per-call array would be a heap allocation per reflector.
func larfCols(ws *workspace, v []float64, tau float64, t []float64, w []float64, ldw, c0, c1 int) {
	k := len(v)
	if k == 0 {
		for c := c0; c < c1; c++ {
			t[c] -= tau * t[c]
		}
		return
	}
	// Bounds: every column c0..c1-1 of W must hold k elements; one check
	// here makes the pointer-based kernels safe.
	_ = w[(c1-1)*ldw+k-1]
	kern := active
	c := c0
	s := &ws.s4
	for ; c+4 <= c1; c += 4 {
		p0, p1, p2, p3 := &w[c*ldw], &w[(c+1)*ldw], &w[(c+2)*ldw], &w[(c+3)*ldw]
		kern.dot4(v, p0, p1, p2, p3, s)
		for q := range s {
			s[q] = -tau * (t[c+q] + s[q])
			t[c+q] += s[q]
		}
		kern.axpy4(v, p0, p1, p2, p3, s)
	}
	for ; c < c1; c++ {
		wc := w[c*ldw : c*ldw+k]
		sc := tau * (t[c] + dot(v, wc))
		t[c] -= sc
		axpy(-sc, v, wc)
	}
}

// workspace is the small scratch of one Tpqrt or Geqr2 call (see
// larfCols), taken from workspaces and returned when the call ends: a tiny
// incre_train (n = 3, k = 1) spent a fifth of its time allocating it and
// collecting the garbage.
var workspaces = sync.Pool{New: func() any { return new(workspace) }}

type workspace struct {
	s4   [4]float64
	u4   [4]float64
	v    [4]*float64
	d, s [8]float64
	w3   [3]*float64
	d12  [12]float64
	s12  [12]float64
}
