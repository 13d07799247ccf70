package cpu

// applyBlock4 applies the four reflectors H_j … H_{j+3} of a Tpqrt panel,
// already formed (their vectors v_i in columns j..j+3 of W, their τ_i in
// tau, their Gram matrix G_il = v_iᵀv_l, l < i, in the lower part of g), to
// the trailing columns c0 ≤ c < nc of [T; W] in one blocked pass per pair of
// columns instead of one pass per reflector.
//
// For a column with head entries t_i = T(j+i, c) and body w (k rows), the
// sequential application H_{j+3}···H_j gives
//
//	s_i = τ_i·(t_i + v_iᵀw − Σ_{l<i} s_l·G_il),   G_il = v_iᵀv_l,
//	t_i ← t_i − s_i,    w ← w − Σ_i s_i·v_i,
//
// because v_iᵀ(w − Σ_{l<i} s_l v_l) = v_iᵀw − Σ_{l<i} s_l G_il. So one pass
// computes the eight dot products v_iᵀw for two columns (dot4x2), a few
// scalar operations form s, and one pass applies all four reflectors to both
// columns (upd4x2): half the memory traffic of the reflector-at-a-time
// update, the compact-WY idea with a block of four.
func applyBlock4(ws *workspace, kern *kernel, j, nc int, t []float64, ldt int, k int, w []float64, ldw int, tau *[4]float64, g *[4][4]float64, c0 int) {
	v := &ws.v
	for i := range 4 {
		v[i] = &w[(j+i)*ldw]
	}
	d, s := &ws.d, &ws.s
	c := c0
	for ; c+2 <= nc; c += 2 {
		kern.dot4x2(k, v, &w[c*ldw], &w[(c+1)*ldw], d)
		for cc := range 2 {
			for i := range 4 {
				x := t[(j+i)*ldt+c+cc] + d[2*i+cc]
				for l := 0; l < i; l++ {
					x -= s[2*l+cc] * g[i][l]
				}
				s[2*i+cc] = tau[i] * x
				t[(j+i)*ldt+c+cc] -= s[2*i+cc]
			}
		}
		kern.upd4x2(k, v, &w[c*ldw], &w[(c+1)*ldw], s)
	}
	for ; c < nc; c++ { // an odd last column: the same algebra, one column
		wc := w[c*ldw : c*ldw+k]
		var sc [4]float64
		for i := range 4 {
			x := t[(j+i)*ldt+c] + dot(w[(j+i)*ldw:(j+i)*ldw+k], wc)
			for l := 0; l < i; l++ {
				x -= sc[l] * g[i][l]
			}
			sc[i] = tau[i] * x
			t[(j+i)*ldt+c] -= sc[i]
		}
		for i := range 4 {
			axpy(-sc[i], w[(j+i)*ldw:(j+i)*ldw+k], wc)
		}
	}
}
