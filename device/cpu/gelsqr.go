package cpu

// GelsQR solves one of the two problems of LAPACK's dgels that a QR
// factorization C = Q·R of a tall p × q matrix C (p ≥ q) answers, with C in
// columns 0..q-1 and the right-hand sides B in columns q..q+nrhs-1 of the
// column-major block w (element (i, j) at w[i+j*ldw], ldw ≥ p):
//
//	minNorm = false (least squares): minimize ‖C·X − B‖₂, B p × nrhs.
//	  Qᵀ·B = [Qᵀb; tail] by the reflectors, then R·X = Qᵀb by back
//	  substitution. On exit rows 0..q-1 of B's columns hold X and rows
//	  q..p-1 the transformed residual (its squared column norms are the
//	  residual sums of squares), as dgels leaves them.
//	minNorm = true (minimum norm): minimize ‖X‖₂ subject to Cᵀ·X = B, B
//	  q × nrhs in rows 0..q-1. Cᵀ = Rᵀ·Qᵀ, so Rᵀ·Y = B by forward
//	  substitution and X = Q·[Y; 0]. On exit rows 0..p-1 hold X.
//
// dgels's four cases map onto these two: trans 'N' with m ≥ n is least
// squares with C = A; trans 'T' with m < n is least squares with C = Aᵀ;
// trans 'N' with m < n (C = Aᵀ) and trans 'T' with m ≥ n (C = A) are
// minimum norm. The reflectors are LAPACK's (dgeqr2's), with dnrm2-safe
// norms (Larfg), so data anywhere in [SMLNUM, BIGNUM] — the range dgels
// scales into — is factored without overflow or destructive underflow.
//
// Before any substitution R's diagonal is checked as dtrtrs does: GelsQR
// returns i+1 for the first R(i,i) that is exactly zero (w is then
// unspecified) and 0 on success.
//
// Flops: 2·p·q² − 2q³/3 for the factorization, plus 4·p·q·nrhs.
func GelsQR(p, q, nrhs int, w []float64, ldw int, minNorm bool) int {
	switch {
	case q < 0:
		panic(errNLT0)
	case p < q:
		panic(errKLTN)
	case nrhs < 0:
		panic(errNRHS)
	case ldw < max(1, p):
		panic(errBadLdW)
	case p > 0 && q+nrhs > 0 && len(w) < (q+nrhs-1)*ldw+p:
		panic(errShortW)
	}
	if !minNorm {
		geqr2(p, q, q+nrhs, w, ldw, nil)
		for i := 0; i < q; i++ {
			if w[i+i*ldw] == 0 {
				return i + 1
			}
		}
		// R·X = Qᵀb, column by column (R column-major: R(i,j) = w[i+j*ldw]).
		for r := 0; r < nrhs; r++ {
			x := w[(q+r)*ldw : (q+r)*ldw+q]
			for j := q - 1; j >= 0; j-- {
				x[j] /= w[j+j*ldw]
				if x[j] != 0 {
					axpy(-x[j], w[j*ldw:j*ldw+j], x[:j])
				}
			}
		}
		return 0
	}
	tau := make([]float64, q)
	geqr2(p, q, q, w, ldw, tau)
	for i := 0; i < q; i++ {
		if w[i+i*ldw] == 0 {
			return i + 1
		}
	}
	for r := 0; r < nrhs; r++ {
		z := w[(q+r)*ldw : (q+r)*ldw+p]
		// Rᵀ·y = b: y(j) = (b(j) − R(0:j, j)ᵀ·y(0:j)) / R(j,j).
		for j := 0; j < q; j++ {
			z[j] = (z[j] - dot(w[j*ldw:j*ldw+j], z[:j])) / w[j+j*ldw]
		}
		clear(z[q:])
		// X = H₀·H₁···H_{q−1}·[y; 0]: apply the reflectors last to first;
		// H_j = I − τ_j·[1; v_j]·[1; v_j]ᵀ acts on rows j..p-1.
		for j := q - 1; j >= 0; j-- {
			if tau[j] == 0 {
				continue
			}
			v := w[j*ldw+j+1 : j*ldw+p]
			s := tau[j] * (z[j] + dot(v, z[j+1:]))
			z[j] -= s
			axpy(-s, v, z[j+1:])
		}
	}
	return 0
}
