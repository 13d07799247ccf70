package cpu

// Trsm solves R·X = C by back substitution, where [R | C] is the n × (n+nrhs)
// augmented factor T (R upper triangular in columns 0..n-1, C = Qᵀb in columns
// n..n+nrhs-1) and X is n × nrhs, row-major with leading dimension ldx ≥
// nrhs. T is not modified.
//
// Before any division the diagonal is checked as LAPACK's dtrtrs does: if
// R(i,i) is exactly zero for some i, Trsm returns the smallest such i+1 and X
// is not written. Otherwise it returns 0.
//
// Flops: n²·nrhs.
func Trsm(n, nrhs int, t []float64, ldt int, x []float64, ldx int) (info int) {
	switch {
	case n < 0:
		panic(errNLT0)
	case nrhs < 0:
		panic(errNRHS)
	case ldt < max(1, n+nrhs):
		panic(errBadLdT)
	case ldx < max(1, nrhs):
		panic(errBadLdX)
	case n > 0 && len(t) < (n-1)*ldt+n+nrhs:
		panic(errShortT)
	case n > 0 && nrhs > 0 && len(x) < (n-1)*ldx+nrhs:
		panic(errShortX)
	}
	for i := 0; i < n; i++ {
		if t[i*ldt+i] == 0 {
			return i + 1
		}
	}
	for r := 0; r < nrhs; r++ {
		for i := n - 1; i >= 0; i-- {
			row := t[i*ldt : i*ldt+n]
			s := t[i*ldt+n+r]
			for j := i + 1; j < n; j++ {
				s -= row[j] * x[j*ldx+r]
			}
			x[i*ldx+r] = s / row[i]
		}
	}
	return 0
}
