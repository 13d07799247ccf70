package cpu

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
func larfCols(v []float64, tau float64, t []float64, w []float64, ldw, c0, c1 int) {
	k := len(v)
	c := c0
	for ; c+4 <= c1; c += 4 {
		w0 := w[c*ldw : c*ldw+k]
		w1 := w[(c+1)*ldw : (c+1)*ldw+k]
		w2 := w[(c+2)*ldw : (c+2)*ldw+k]
		w3 := w[(c+3)*ldw : (c+3)*ldw+k]
		s0, s1, s2, s3 := t[c], t[c+1], t[c+2], t[c+3]
		for i, vi := range v {
			s0 += vi * w0[i]
			s1 += vi * w1[i]
			s2 += vi * w2[i]
			s3 += vi * w3[i]
		}
		s0 *= tau
		s1 *= tau
		s2 *= tau
		s3 *= tau
		t[c] -= s0
		t[c+1] -= s1
		t[c+2] -= s2
		t[c+3] -= s3
		for i, vi := range v {
			w0[i] -= s0 * vi
			w1[i] -= s1 * vi
			w2[i] -= s2 * vi
			w3[i] -= s3 * vi
		}
	}
	for ; c < c1; c++ {
		wc := w[c*ldw : c*ldw+k]
		s := tau * (t[c] + dot(v, wc))
		t[c] -= s
		axpy(-s, v, wc)
	}
}
