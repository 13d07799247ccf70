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
// computes the twelve dot products v_iᵀw for three columns (dot4x3; a
// last pair: dot4x2), a few scalar operations form s, and one pass applies
// all four reflectors to the three columns (upd4x3, upd4x2): half the memory traffic of the reflector-at-a-time
// update, the compact-WY idea with a block of four.
func applyBlock4(ws *workspace, kern *kernel, j, nc int, t []float64, ldt int, k int, w []float64, ldw int, tau *[4]float64, g *[4][4]float64, c0 int) {
	v := &ws.v
	for i := range 4 {
		v[i] = &w[(j+i)*ldw]
	}
	d, s := &ws.d, &ws.s
	bc := blockCoeffs{
		t0: t[j*ldt : j*ldt+nc], t1: t[(j+1)*ldt : (j+1)*ldt+nc],
		t2: t[(j+2)*ldt : (j+2)*ldt+nc], t3: t[(j+3)*ldt : (j+3)*ldt+nc],
		tau0: tau[0], tau1: tau[1], tau2: tau[2], tau3: tau[3],
		g10: g[1][0], g20: g[2][0], g21: g[2][1], g30: g[3][0], g31: g[3][1], g32: g[3][2],
	}
	c := c0
	// Three columns per pass (twelve accumulators), then a pair, then one.
	w3, d3, s3 := &ws.w3, &ws.d12, &ws.s12
	for ; c+3 <= nc; c += 3 {
		w3[0], w3[1], w3[2] = &w[c*ldw], &w[(c+1)*ldw], &w[(c+2)*ldw]
		kern.dot4x3(k, v, w3, d3)
		bc.coeffs(c, 3, d3[:], s3[:])
		kern.upd4x3(k, v, w3, s3)
	}
	for ; c+2 <= nc; c += 2 {
		kern.dot4x2(k, v, &w[c*ldw], &w[(c+1)*ldw], d)
		bc.coeffs(c, 2, d[:], s[:])
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

// blockCoeffs holds what forming a block's coefficients reads: the four
// head rows of T and the reflectors' τ and Gram entries, as scalars.
type blockCoeffs struct {
	t0, t1, t2, t3               []float64
	tau0, tau1, tau2, tau3       float64
	g10, g20, g21, g30, g31, g32 float64
}

// coeffs forms, for the columns c ≤ c+cc < c+cols, the coefficients
// s_i = τ_i·(t_i + d_i − Σ_{l<i} s_l·G_il) from the dot products d (d[cols·i+cc]
// = v_iᵀw) into s (same layout), and subtracts them from the head rows.
func (b *blockCoeffs) coeffs(c, cols int, d, s []float64) {
	_, _ = d[4*cols-1], s[4*cols-1]
	for cc := range cols {
		cj := c + cc
		s0 := b.tau0 * (b.t0[cj] + d[cc])
		b.t0[cj] -= s0
		s1 := b.tau1 * (b.t1[cj] + d[cols+cc] - s0*b.g10)
		b.t1[cj] -= s1
		s2 := b.tau2 * (b.t2[cj] + d[2*cols+cc] - s0*b.g20 - s1*b.g21)
		b.t2[cj] -= s2
		s3 := b.tau3 * (b.t3[cj] + d[3*cols+cc] - s0*b.g30 - s1*b.g31 - s2*b.g32)
		b.t3[cj] -= s3
		s[cc], s[cols+cc], s[2*cols+cc], s[3*cols+cc] = s0, s1, s2, s3
	}
}
