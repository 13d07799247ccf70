package cpu

// Geqr2 computes the unblocked Householder QR factorization of the first n
// columns of the dense k × nc matrix W (k ≥ n) and applies Qᵀ to all nc
// columns, as LAPACK's dgeqr2 followed by dorm2r on the trailing columns:
//
//	Qᵀ · W = [R | Qᵀb; 0 | tail],   Q = H₀·H₁···H_{n−1},
//
// Reflector j is built from W[j:k, j] and applied to W[j:k, j+1:nc]. On exit
// the upper trapezoid of rows 0..n-1 holds [R | Qᵀb], the entries below the
// diagonal of columns 0..n-1 hold the reflectors' vectors, and rows n..k-1 of
// columns n..nc-1 hold the transformed right-hand sides (the "tail" that
// LAPACK's dgels leaves in B: its squared norm is the residual sum of
// squares).
//
// Storage: W column-major, element (i, j) at w[i+j*ldw], ldw ≥ k.
//
// Flops: about 2·k·n² − 2n³/3 for nc = n+1.
//
// Geqr2 panics on negative dimensions, k < n, nc < n, a small ldw or a short
// slice.
func Geqr2(k, n, nc int, w []float64, ldw int) { geqr2(k, n, nc, w, ldw, nil) }

// geqr2 is Geqr2 that also stores reflector j's τ in taus[j] when tau is not
// nil (len(taus) ≥ n), as LAPACK's dgeqr2 does.
func geqr2(k, n, nc int, w []float64, ldw int, taus []float64) {
	switch {
	case n < 0:
		panic(errNLT0)
	case nc < n:
		panic(errNCLTN)
	case k < n:
		panic(errKLTN)
	case ldw < max(1, k):
		panic(errBadLdW)
	case k > 0 && nc > 0 && len(w) < (nc-1)*ldw+k:
		panic(errShortW)
	}
	row := make([]float64, nc)
	ws := workspaces.Get().(*workspace)
	defer workspaces.Put(ws)
	for j := 0; j < n; j++ {
		v := w[j*ldw+j+1 : j*ldw+k]
		beta, tau := Larfg(w[j*ldw+j], v)
		w[j*ldw+j] = beta
		if taus != nil {
			taus[j] = tau
		}
		if tau == 0 {
			continue
		}
		// Row j of W is the reflector's head; larfCols wants it
		// contiguous, so it travels through row and back (O(nc)).
		for c := j + 1; c < nc; c++ {
			row[c] = w[c*ldw+j]
		}
		larfCols(ws, v, tau, row, w[j+1:], ldw, j+1, nc)
		for c := j + 1; c < nc; c++ {
			w[c*ldw+j] = row[c]
		}
	}
}
