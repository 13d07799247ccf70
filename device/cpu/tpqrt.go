package cpu

// Tpqrt computes the QR factorization of the stacked (n+k) × nc matrix
//
//	[ T ]  n  rows, upper trapezoidal (T[i][j] = 0 for j < i is assumed and
//	[ W ]  k  rows, dense                never read)
//
// exploiting the triangular structure of T, the idea of LAPACK's dtpqrt2:
// reflector j is built from T[j][j] and column j of W only, because every
// other entry of column j below the diagonal of T is zero, so it touches row
// j of T and the k rows of W and nothing else. With Q′ the product of the n
// reflectors,
//
//	Q′ᵀ · [T; W] = [T′; 0 | W′],
//
// T′ overwrites T (columns 0..n-1 hold the updated upper-triangular R′,
// columns n..nc-1 the updated Qᵀb), columns 0..n-1 of W are overwritten with
// the reflectors' vectors v_j, and columns n..nc-1 of W with the transformed
// right-hand sides W′, whose squared column norms are what the rows of W add
// to the residual sum of squares.
//
// When T = R₀ is the R factor of rows A₀ (A₀ = Q₀·R₀) and W = A₁, R′ is the R
// factor of [A₀; A₁] up to the signs of its rows: incremental training costs
// O(k·n²) and never reads A₀.
//
// Storage: T row-major, element (i, j) at t[i*ldt+j], ldt ≥ nc. W
// column-major, element (i, j) at w[i+j*ldw], ldw ≥ k. nc ≥ n ≥ 0, k ≥ 0.
//
// Reflectors are applied to the trailing columns in blocks of four
// (applyBlock4), which halves the passes over W; the last few reflectors,
// and panels whose trailing part is narrow, are applied one at a time.
//
// Flops: about 2·k·n·(n + 2·(nc−n)) (for nc = n+1, ≈ 2·k·n²).
//
// Tpqrt panics if a dimension is negative, nc < n, a leading dimension is too
// small or a slice is too short; those are programming errors of its caller.
func Tpqrt(n, nc int, t []float64, ldt int, k int, w []float64, ldw int) {
	checkTpqrt(n, nc, t, ldt, k, w, ldw)
	if n == 0 || k == 0 {
		return
	}
	kern := active
	ws := workspaces.Get().(*workspace)
	defer workspaces.Put(ws)
	j := 0
	// Panels of four reflectors, formed left-looking: each of the panel's
	// columns receives the panel's earlier reflectors in two passes (their
	// dot products with it, then one update), through the same algebra as
	// applyBlock4, and the Gram matrix of the vectors is built as they are
	// formed; then the block is applied to the trailing columns. Blocking
	// pays only when the trailing part is wide.
	for ; j+4 <= n && nc-(j+4) >= 8; j += 4 {
		var tau [4]float64
		var g [4][4]float64
		vp := &ws.v
		d4, s4 := &ws.s4, &ws.u4
		for i := range 4 {
			jj := j + i
			col := w[jj*ldw : jj*ldw+k]
			if i > 0 {
				kern.dot4(col, vp[0], vp[min(1, i-1)], vp[min(2, i-1)], vp[min(3, i-1)], d4)
				*s4 = [4]float64{}
				for l := 0; l < i; l++ {
					x := t[(j+l)*ldt+jj] + d4[l]
					for m := 0; m < l; m++ {
						x -= s4[m] * g[l][m]
					}
					s4[l] = tau[l] * x
					t[(j+l)*ldt+jj] -= s4[l]
				}
				for l := i; l < 4; l++ {
					vp[l] = vp[0] // read with a zero coefficient
				}
				kern.upd4x1(k, vp, &col[0], s4)
			}
			beta, ti := Larfg(t[jj*ldt+jj], col)
			t[jj*ldt+jj] = beta
			tau[i] = ti
			if i > 0 {
				kern.dot4(col, vp[0], vp[min(1, i-1)], vp[min(2, i-1)], vp[min(3, i-1)], d4)
				for l := 0; l < i; l++ {
					g[i][l] = d4[l]
				}
			}
			vp[i] = &col[0]
		}
		applyBlock4(ws, kern, j, nc, t, ldt, k, w, ldw, &tau, &g, j+4)
	}
	for ; j < n; j++ {
		v := w[j*ldw : j*ldw+k]
		beta, tau := Larfg(t[j*ldt+j], v)
		t[j*ldt+j] = beta
		if tau != 0 {
			larfCols(ws, v, tau, t[j*ldt:j*ldt+nc], w, ldw, j+1, nc)
		}
	}
}

func checkTpqrt(n, nc int, t []float64, ldt int, k int, w []float64, ldw int) {
	switch {
	case n < 0:
		panic(errNLT0)
	case nc < n:
		panic(errNCLTN)
	case k < 0:
		panic(errKLT0)
	case ldt < max(1, nc):
		panic(errBadLdT)
	case ldw < max(1, k):
		panic(errBadLdW)
	case n > 0 && len(t) < (n-1)*ldt+nc:
		panic(errShortT)
	case k > 0 && nc > 0 && len(w) < (nc-1)*ldw+k:
		panic(errShortW)
	}
}
