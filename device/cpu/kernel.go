package cpu

import "fmt"

// A kernel is one implementation of the two level-1 primitives the
// Householder update spends its time in, each over four columns at once so
// that v is loaded once for four columns.
type kernel struct {
	name  string
	dot4  func(v []float64, w0, w1, w2, w3 *float64, out *[4]float64)
	axpy4 func(v []float64, w0, w1, w2, w3 *float64, alpha *[4]float64)
	// The blocked update (block4.go): four reflectors against two columns.
	dot4x2 func(k int, v *[4]*float64, w0, w1 *float64, out *[8]float64)
	upd4x2 func(k int, v *[4]*float64, w0, w1 *float64, s *[8]float64)
	// Four reflectors against three columns: the trailing update's main
	// tile (twelve accumulators), dot4x2/upd4x2 for a last pair.
	dot4x3 func(k int, v *[4]*float64, w *[3]*float64, out *[12]float64)
	upd4x3 func(k int, v *[4]*float64, w *[3]*float64, s *[12]float64)
	// The same update of one column (a Tpqrt panel's own columns).
	upd4x1 func(k int, v *[4]*float64, w0 *float64, s *[4]float64)
	// upd4x1 that also folds max |v[i][r]| into mx's lanes (a shifted
	// solve's Aᵀb with its scan of A; NaN need not survive in mx).
	upd4x1Max func(k int, v *[4]*float64, w0 *float64, s *[4]float64, mx *[4]float64)
	// The row-major gather (gather.go): four rows into four columns'
	// consecutive elements, c rounded down to a multiple of four.
	transpose4 func(c int, a0, a1, a2, a3 *float64, w *float64, ldw int)
	// Level-1 operations on one vector (level1.go dispatches to them for
	// vectors of level1Min elements or more): x·y and y += alpha·x, with
	// len(y) ≥ len(x) checked by the caller.
	dot1 func(x, y []float64) float64
	// dot1 that also returns max |x[i]| (NaN need not survive), for a
	// column-major Aᵀb with its scan of A; nil where the kernel has none.
	dotMax1 func(x, y []float64) (float64, float64)
	axpy1   func(alpha float64, x, y []float64)
	// scal1 computes x[i] *= alpha (Larfg's normalisation of every
	// reflector).
	scal1 func(alpha float64, x []float64)
	// maxAbs returns max |x[i]|, NaN if some x[i] is NaN (MaxAbs).
	maxAbs func(x []float64) float64
	// resDD is the shifted solve's correction pass over k row-major rows
	// (csne.go, residualRowsDD): double-double residuals r = b − A·x,
	// (hi, lo) += Aᵀr in double-double, returning Σ r_i².
	resDD func(a []float64, lda, k, n int, b []float64, ldb int, x, hi, lo []float64) float64
	// The same pass on column-major rows, one column at a time over a block
	// of rows (csne.go, residualColsDD): (rh, rl) −= a·x in double-double,
	// and Σ a·(rh + rl) in double-double; len(a) elements, a multiple of 4
	// for the assembly (the callers do the rest).
	ddAxpyNeg func(a []float64, x float64, rh, rl []float64)
	ddDot     func(a, rh, rl []float64) (hi, lo float64)
	// The same for four columns at once, (rh, rl) loaded and stored once
	// for the four; nil where the kernel has no such form (the callers use
	// the one-column forms).
	ddAxpyNeg4 func(a *[4][]float64, x *[4]float64, rh, rl []float64)
	ddDot4     func(a *[4][]float64, rh, rl []float64) (hl [4][2]float64)
}

// kernels lists the implementations usable on this CPU: the portable Go one
// first, then those of the architecture (archKernels, by CPU features), the
// default last.
var kernels = append([]kernel{{name: "go", dot4: dot4Go, axpy4: axpy4Go, dot4x2: dot4x2Go, upd4x2: upd4x2Go, upd4x1: upd4x1Go, upd4x1Max: upd4x1MaxGo, dot4x3: dot4x3Go, upd4x3: upd4x3Go, transpose4: transpose4Go, dot1: dotGo, axpy1: axpyGo, scal1: scalGo, maxAbs: maxAbsGo, resDD: residualRowsDD, ddAxpyNeg: ddAxpyNegGo, ddDot: ddDotGo}}, archKernels()...)

// active is the kernel in use: the last of kernels unless UseKernel chose
// another. (A variable initializer, not an init function, so that it sees
// the complete list whatever the order of the package's files.)
var active = &kernels[len(kernels)-1]

// Kernels returns the names of the kernels usable on this CPU, the portable
// Go one ("go") first and the default last: "avx2" where the CPU has AVX2
// and FMA, "avx512" where it also has AVX-512F (not under -tags purego).
func Kernels() []string {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	return names
}

// Kernel returns the name of the kernel in use.
func Kernel() string { return active.name }

// UseKernel selects a kernel by name for every engine in the process, for
// tests and benchmarks that compare them. It is not safe to call while
// engines run.
func UseKernel(name string) error {
	for i := range kernels {
		if kernels[i].name == name {
			active = &kernels[i]
			return nil
		}
	}
	return fmt.Errorf("cpu: kernel %q not available (have %v)", name, Kernels())
}

// dot4Go is the portable dot4.
func dot4Go(v []float64, w0, w1, w2, w3 *float64, out *[4]float64) {
	k := len(v)
	c0, c1, c2, c3 := colView(w0, k), colView(w1, k), colView(w2, k), colView(w3, k)
	var s0, s1, s2, s3 float64
	for i, vi := range v {
		s0 += vi * c0[i]
		s1 += vi * c1[i]
		s2 += vi * c2[i]
		s3 += vi * c3[i]
	}
	*out = [4]float64{s0, s1, s2, s3}
}

// axpy4Go is the portable axpy4.
func axpy4Go(v []float64, w0, w1, w2, w3 *float64, alpha *[4]float64) {
	k := len(v)
	c0, c1, c2, c3 := colView(w0, k), colView(w1, k), colView(w2, k), colView(w3, k)
	a0, a1, a2, a3 := alpha[0], alpha[1], alpha[2], alpha[3]
	for i, vi := range v {
		c0[i] += a0 * vi
		c1[i] += a1 * vi
		c2[i] += a2 * vi
		c3[i] += a3 * vi
	}
}

// dot4x2Go is the portable dot4x2: out[2i+c] = v[i]·w_c over k rows.
func dot4x2Go(k int, v *[4]*float64, w0, w1 *float64, out *[8]float64) {
	c0, c1 := colView(w0, k), colView(w1, k)
	var acc [8]float64
	for i := range 4 {
		vi := colView(v[i], k)
		var s0, s1 float64
		for r, x := range vi {
			s0 += x * c0[r]
			s1 += x * c1[r]
		}
		acc[2*i], acc[2*i+1] = s0, s1
	}
	*out = acc
}

// upd4x2Go is the portable upd4x2: w_c -= Σ_i s[2i+c]·v[i] over k rows.
func upd4x2Go(k int, v *[4]*float64, w0, w1 *float64, s *[8]float64) {
	c0, c1 := colView(w0, k), colView(w1, k)
	v0, v1, v2, v3 := colView(v[0], k), colView(v[1], k), colView(v[2], k), colView(v[3], k)
	for r := range k {
		c0[r] -= s[0]*v0[r] + s[2]*v1[r] + s[4]*v2[r] + s[6]*v3[r]
		c1[r] -= s[1]*v0[r] + s[3]*v1[r] + s[5]*v2[r] + s[7]*v3[r]
	}
}

// dot4x3Go is the portable dot4x3: out[3i+c] = v[i]·w[c] over k rows.
func dot4x3Go(k int, v *[4]*float64, w *[3]*float64, out *[12]float64) {
	for c := range 3 {
		wc := colView(w[c], k)
		for i := range 4 {
			vi := colView(v[i], k)
			var s float64
			for r, x := range vi {
				s += x * wc[r]
			}
			out[3*i+c] = s
		}
	}
}

// upd4x3Go is the portable upd4x3: w[c] -= Σ_i s[3i+c]·v[i] over k rows.
func upd4x3Go(k int, v *[4]*float64, w *[3]*float64, s *[12]float64) {
	v0, v1, v2, v3 := colView(v[0], k), colView(v[1], k), colView(v[2], k), colView(v[3], k)
	for c := range 3 {
		wc := colView(w[c], k)
		for r := range k {
			wc[r] -= s[c]*v0[r] + s[3+c]*v1[r] + s[6+c]*v2[r] + s[9+c]*v3[r]
		}
	}
}

// upd4x1Go is the portable upd4x1: w0 -= Σ_i s[i]·v[i] over k rows.
func upd4x1Go(k int, v *[4]*float64, w0 *float64, s *[4]float64) {
	c0 := colView(w0, k)
	v0, v1, v2, v3 := colView(v[0], k), colView(v[1], k), colView(v[2], k), colView(v[3], k)
	for r := range k {
		c0[r] -= s[0]*v0[r] + s[1]*v1[r] + s[2]*v2[r] + s[3]*v3[r]
	}
}

// upd4x1MaxGo is the portable upd4x1Max.
func upd4x1MaxGo(k int, v *[4]*float64, w0 *float64, s *[4]float64, mx *[4]float64) {
	upd4x1Go(k, v, w0, s)
	for i := range 4 {
		mx[i] = max(mx[i], maxAbsGo(colView(v[i], k)))
	}
}

// transpose4Go is the portable transpose4.
func transpose4Go(c int, a0, a1, a2, a3 *float64, w *float64, ldw int) {
	c &^= 3
	if c == 0 {
		return
	}
	r0, r1, r2, r3 := colView(a0, c), colView(a1, c), colView(a2, c), colView(a3, c)
	out := colView(w, (c-1)*ldw+4)
	for j := range r0 {
		d := out[j*ldw : j*ldw+4 : j*ldw+4]
		d[0], d[1], d[2], d[3] = r0[j], r1[j], r2[j], r3[j]
	}
}
