//go:build !purego

package cpu

import "golang.org/x/sys/cpu"

// dot4AVX2 sets out[c] = Σ v[i]·w_c[i], c = 0..3, over len(v) elements
// (AVX2 + FMA, in kernel_amd64.s).
//
//go:noescape
func dot4AVX2(v []float64, w0, w1, w2, w3 *float64, out *[4]float64)

// axpy4AVX2 computes w_c[i] += alpha[c]·v[i], c = 0..3, over len(v)
// elements (AVX2 + FMA, in kernel_amd64.s).
//
//go:noescape
func axpy4AVX2(v []float64, w0, w1, w2, w3 *float64, alpha *[4]float64)

// dot4AVX512 is dot4AVX2 with an AVX-512 main loop.
//
//go:noescape
func dot4AVX512(v []float64, w0, w1, w2, w3 *float64, out *[4]float64)

// axpy4AVX512 is axpy4AVX2 with an AVX-512 main loop.
//
//go:noescape
func axpy4AVX512(v []float64, w0, w1, w2, w3 *float64, alpha *[4]float64)

// dot4x2AVX2 sets out[2i+c] = v[i]·w_c over k rows (kernel_block_amd64.s).
//
//go:noescape
func dot4x2AVX2(k int, v *[4]*float64, w0, w1 *float64, out *[8]float64)

// upd4x2AVX2 computes w_c -= Σ_i s[2i+c]·v[i] over k rows
// (kernel_block_amd64.s).
//
//go:noescape
func upd4x2AVX2(k int, v *[4]*float64, w0, w1 *float64, s *[8]float64)

// dot4x3AVX2 sets out[3i+c] = v[i]·w[c] over k rows (kernel_block_amd64.s).
//
//go:noescape
func dot4x3AVX2(k int, v *[4]*float64, w *[3]*float64, out *[12]float64)

// upd4x3AVX2 computes w[c] -= Σ_i s[3i+c]·v[i] over k rows
// (kernel_block_amd64.s).
//
//go:noescape
func upd4x3AVX2(k int, v *[4]*float64, w *[3]*float64, s *[12]float64)

// upd4x1AVX2 computes w0 -= Σ_i s[i]·v[i] over k rows
// (kernel_block_amd64.s).
//
//go:noescape
func upd4x1AVX2(k int, v *[4]*float64, w0 *float64, s *[4]float64)

// upd4x1MaxAVX2 is upd4x1AVX2 that also folds max |v[i][r]| into mx's
// lanes, without tracking NaN (kernel_block_amd64.s).
//
//go:noescape
func upd4x1MaxAVX2(k int, v *[4]*float64, w0 *float64, s *[4]float64, mx *[4]float64)

// transpose4AVX2 sets w[j*ldw+r] = a_r[j] for r = 0..3 and j below c
// rounded down to a multiple of four (AVX2, in transpose_amd64.s).
//
//go:noescape
func transpose4AVX2(c int, a0, a1, a2, a3 *float64, w *float64, ldw int)

// dotAVX2 returns Σ x[i]·y[i] over len(x) elements; len(y) ≥ len(x)
// (AVX2 + FMA, in level1_amd64.s).
//
//go:noescape
func dotAVX2(x, y []float64) float64

// axpyAVX2 computes y[i] += alpha·x[i] over len(x) elements; len(y) ≥
// len(x) (AVX2 + FMA, in level1_amd64.s).
//
//go:noescape
func axpyAVX2(alpha float64, x, y []float64)

// dotMaxAVX2 returns Σ x[i]·y[i] as dotAVX2 does and max |x[i]|, without
// tracking NaN, over len(x) elements (AVX2 + FMA, in level1_amd64.s).
//
//go:noescape
func dotMaxAVX2(x, y []float64) (d, m float64)

// scalAVX2 computes x[i] *= alpha over len(x) elements (AVX2, in
// level1_amd64.s).
//
//go:noescape
func scalAVX2(alpha float64, x []float64)

// maxAbsAVX2 returns max |x[i]|, NaN if some x[i] is NaN (AVX2, in
// level1_amd64.s).
//
//go:noescape
func maxAbsAVX2(x []float64) float64

// tailMasks[c] selects the first c of four lanes.
var tailMasks = [4][4]int64{{0, 0, 0, 0}, {-1, 0, 0, 0}, {-1, -1, 0, 0}, {-1, -1, -1, 0}}

// resDDAVX2 is residualRowsDD on AVX2 + FMA: four columns per instruction,
// two rows at a time, the same double-double arithmetic (products split by
// FMA, sums by TwoSum), summed in another order. An odd last row goes
// through the kernel paired with a row of zeros and a zero target, whose
// residual is exactly zero and so changes neither (hi, lo) nor the sum.
func resDDAVX2(a []float64, lda, k, n int, b []float64, ldb int, x, hi, lo []float64) float64 {
	if k == 0 || n == 0 {
		return 0
	}
	_ = a[(k-1)*lda+n-1] // bounds, checked once: the assembly reads these
	_ = b[(k-1)*ldb]
	_, _, _ = x[n-1], hi[n-1], lo[n-1]
	mask := &tailMasks[n&3]
	rr := 0.0
	if k2 := k &^ 1; k2 > 0 {
		rr = resdd2AVX2(k2, n, &a[0], lda, &b[0], ldb, &x[0], &hi[0], &lo[0], mask)
	}
	if k&1 != 0 {
		p, t := lastPair(a, lda, k, n, b, ldb)
		rr += resdd2AVX2(2, n, &p[0], n, &t[0], 1, &x[0], &hi[0], &lo[0], mask)
	}
	return rr
}

// lastPair returns the last of k rows (n columns) followed by a row of
// zeros, leading dimension n, and their targets: b's last and 0.
func lastPair(a []float64, lda, k, n int, b []float64, ldb int) ([]float64, [2]float64) {
	p := make([]float64, 2*n)
	copy(p, a[(k-1)*lda:(k-1)*lda+n])
	return p, [2]float64{b[(k-1)*ldb], 0}
}

// resdd2AVX2 is resDDAVX2's assembly (csne_amd64.s): k even, the last
// n mod 4 columns under mask.
//
//go:noescape
func resdd2AVX2(k, n int, a *float64, lda int, b *float64, ldb int, x, hi, lo *float64, mask *[4]int64) float64

// resdd2AVX512 is resDDAVX512's assembly (csne_amd64.s): k even, the n
// mod 8 tail columns under the lane mask tail.
//
//go:noescape
func resdd2AVX512(k, n int, a *float64, lda int, b *float64, ldb int, x, hi, lo *float64, tail int) float64

// resDDAVX512 is resDDAVX2 with eight columns per instruction.
func resDDAVX512(a []float64, lda, k, n int, b []float64, ldb int, x, hi, lo []float64) float64 {
	if k == 0 || n == 0 {
		return 0
	}
	_ = a[(k-1)*lda+n-1] // bounds, checked once: the assembly reads these
	_ = b[(k-1)*ldb]
	_, _, _ = x[n-1], hi[n-1], lo[n-1]
	tail := 1<<(n&7) - 1
	rr := 0.0
	if k2 := k &^ 1; k2 > 0 {
		rr = resdd2AVX512(k2, n, &a[0], lda, &b[0], ldb, &x[0], &hi[0], &lo[0], tail)
	}
	if k&1 != 0 {
		p, t := lastPair(a, lda, k, n, b, ldb)
		rr += resdd2AVX512(2, n, &p[0], n, &t[0], 1, &x[0], &hi[0], &lo[0], tail)
	}
	return rr
}

// ddAxpyNegAVX2 is ddAxpyNegVec's assembly over k elements, k a multiple of
// 4 (csne_amd64.s).
//
//go:noescape
func ddAxpyNegAVX2(k int, a *float64, x float64, rh, rl *float64)

// ddDotAVX2 is ddDotVec's assembly over k elements, k a multiple of 4
// (csne_amd64.s).
//
//go:noescape
func ddDotAVX2(k int, a, rh, rl *float64, out *[2]float64)

// ddAxpyNegVec is ddAxpyNegGo on AVX2 + FMA, the last len(a) mod 4
// elements in Go.
func ddAxpyNegVec(a []float64, x float64, rh, rl []float64) {
	k := len(a)
	rh, rl = rh[:k], rl[:k]
	k4 := k &^ 3
	if k4 > 0 {
		ddAxpyNegAVX2(k4, &a[0], x, &rh[0], &rl[0])
	}
	ddAxpyNegGo(a[k4:], x, rh[k4:], rl[k4:])
}

// ddDotVec is ddDotGo on AVX2 + FMA, the last len(a) mod 4 elements in Go.
func ddDotVec(a, rh, rl []float64) (hi, lo float64) {
	k := len(a)
	rh, rl = rh[:k], rl[:k]
	k4 := k &^ 3
	if k4 > 0 {
		var out [2]float64
		ddDotAVX2(k4, &a[0], &rh[0], &rl[0], &out)
		hi, lo = out[0], out[1]
	}
	th, tl := ddDotGo(a[k4:], rh[k4:], rl[k4:])
	return twoSumAdd(hi, th, lo+tl)
}

// ddAxpyNeg4AVX512 is ddAxpyNeg4Vec's assembly over k elements, k a
// multiple of 8 (csne_amd64.s).
//
//go:noescape
func ddAxpyNeg4AVX512(k int, a0, a1, a2, a3 *float64, x *[4]float64, rh, rl *float64)

// ddDot4AVX512 is ddDot4Vec's assembly over k elements, k a multiple of 8,
// leaving eight double-double lanes per column in out (csne_amd64.s).
//
//go:noescape
func ddDot4AVX512(k int, a0, a1, a2, a3, rh, rl *float64, out *[64]float64)

// ddAxpyNeg4Vec is ddAxpyNeg on four columns a[c] with multipliers x[c]
// (AVX-512), the last len(rh) mod 8 elements in Go.
func ddAxpyNeg4Vec(a *[4][]float64, x *[4]float64, rh, rl []float64) {
	k := len(rh)
	if k == 0 {
		return
	}
	rl = rl[:k]
	for c := range a {
		a[c] = a[c][:k]
	}
	k8 := k &^ 7
	if k8 > 0 {
		ddAxpyNeg4AVX512(k8, &a[0][0], &a[1][0], &a[2][0], &a[3][0], x, &rh[0], &rl[0])
	}
	for c := range a {
		ddAxpyNegGo(a[c][k8:], x[c], rh[k8:], rl[k8:])
	}
}

// ddDot4Vec is ddDot on four columns a[c] (AVX-512): hl[c] = (hi, lo) of
// Σ a[c]·(rh + rl), the last len(rh) mod 8 elements in Go.
func ddDot4Vec(a *[4][]float64, rh, rl []float64) (hl [4][2]float64) {
	k := len(rh)
	if k == 0 {
		return hl
	}
	rl = rl[:k]
	for c := range a {
		a[c] = a[c][:k]
	}
	k8 := k &^ 7
	var out [64]float64
	if k8 > 0 {
		ddDot4AVX512(k8, &a[0][0], &a[1][0], &a[2][0], &a[3][0], &rh[0], &rl[0], &out)
	}
	for c := range a {
		var h, l float64
		for lane := 0; lane < 8; lane++ {
			h, l = twoSumAdd(h, out[16*c+lane], l+out[16*c+8+lane])
		}
		th, tl := ddDotGo(a[c][k8:], rh[k8:], rl[k8:])
		hl[c][0], hl[c][1] = twoSumAdd(h, th, l+tl)
	}
	return hl
}

// archKernels returns the assembly kernels this CPU supports, the default
// (fastest measured) last.
func archKernels() []kernel {
	var ks []kernel
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel{name: "avx2", dot4: dot4AVX2, axpy4: axpy4AVX2, dot4x2: dot4x2AVX2, upd4x2: upd4x2AVX2, upd4x1: upd4x1AVX2, upd4x1Max: upd4x1MaxAVX2, dot4x3: dot4x3AVX2, upd4x3: upd4x3AVX2, transpose4: transpose4AVX2, dot1: dotAVX2, dotMax1: dotMaxAVX2, axpy1: axpyAVX2, scal1: scalAVX2, maxAbs: maxAbsAVX2, resDD: resDDAVX2, ddAxpyNeg: ddAxpyNegVec, ddDot: ddDotVec})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX512F {
		ks = append(ks, kernel{name: "avx512", dot4: dot4AVX512, axpy4: axpy4AVX512, dot4x2: dot4x2AVX2, upd4x2: upd4x2AVX2, upd4x1: upd4x1AVX2, upd4x1Max: upd4x1MaxAVX2, dot4x3: dot4x3AVX2, upd4x3: upd4x3AVX2, transpose4: transpose4AVX2, dot1: dotAVX2, dotMax1: dotMaxAVX2, axpy1: axpyAVX2, scal1: scalAVX2, maxAbs: maxAbsAVX2, resDD: resDDAVX512, ddAxpyNeg: ddAxpyNegVec, ddDot: ddDotVec, ddAxpyNeg4: ddAxpyNeg4Vec, ddDot4: ddDot4Vec})
	}
	return ks
}
