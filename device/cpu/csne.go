package cpu

import (
	"math"

	"github.com/libsia/sia/device"
)

// Csne solves min ‖A·X − B‖₂ for all rows of all (A m × n, B m × nrhs, in
// all's layout) by corrected semi-normal equations, given R, the triangular
// factor of A (upper triangle of the augmented factor T, leading dimension
// ldt), without factoring A:
//
//	X₀     = R⁻¹·R⁻ᵀ·Aᵀ·B
//	Xₛ₊₁   = Xₛ + R⁻¹·R⁻ᵀ·Aᵀ·(B − A·Xₛ),   s = 0, 1, …
//
// Plain semi-normal equations lose about κ²·ε. The corrections use residuals
// B − A·Xₛ and products Aᵀ·(B − A·Xₛ) accumulated in double-double
// (error-free products by FMA, compensated sums), so that their noise floor
// is about ε·‖X‖ rather than κ·ε·‖X‖: each correction then shrinks the error
// by a factor that depends on κ only, and the iteration converges to the
// least-squares solution to working precision when that factor is below 1.
// Corrections are repeated until one is below 4·n·ε·‖X‖ (converged: the
// answer is then at least as accurate as a QR solve), or until one fails
// to shrink to half the previous (the iteration does not contract: κ is
// too large, about κ²·ε ≳ 1), or maxSteps corrections have been applied.
// Only convergence is accepted: Csne returns false otherwise, and X, T and
// rss are then unspecified (the caller refuses and cold-trains).
//
// maxSteps = 0 returns plain semi-normal equations unchecked (for
// measurements only).
//
// When svd is not nil, (RᵀR)⁺ = V·Σ⁺²·Vᵀ over svd's rank replaces R⁻¹R⁻ᵀ,
// giving the minimum-norm solution of a rank-deficient problem.
//
// On success X (n × nrhs, row-major, leading dimension ldx) holds the
// solution, columns n..n+nrhs-1 of T hold Qᵀb = R·X (so that a later update
// of T is consistent with the targets B), and rss[r] = ‖B[:,r] − A·X[:,r]‖².
// Cost: 2·m·n·nrhs flops for Aᵀb, and about 10·m·n·nrhs per correction.
// R must be nonsingular when svd is nil (the caller checks its diagonal).
func Csne(n, nrhs int, t []float64, ldt int, all *device.Rows, maxSteps int, svd *SVD, x []float64, ldx int, rss []float64) bool {
	g := make([]float64, 2*n) // Aᵀ·r in double-double: g[:n] + g[n:]
	y := make([]float64, n)
	dx := make([]float64, n)
	xc := make([]float64, n)
	const eps = 0x1p-53
	for r := 0; r < nrhs; r++ {
		bb := atb(all, n, r, g[:n]) // g = Aᵀb
		solveNormal(n, t, ldt, svd, g[:n], y, xc)
		rr := math.NaN()
		last := math.Inf(1)
		for s := 0; s < maxSteps; s++ {
			rr = residualDD(all, n, r, xc, g)
			solveNormal(n, t, ldt, svd, g[:n], y, dx)
			axpy(1, dx, xc)
			d, xn := nrm2(dx), nrm2(xc)
			if d <= 4*float64(n)*eps*xn {
				// Converged. The residual was computed before this
				// (negligible) last correction.
				last = -1
				break
			}
			if !(d <= last/2) {
				return false // does not contract
			}
			last = d
		}
		if maxSteps == 0 {
			// ‖b − A·x‖² = ‖b‖² − 2·xᵀAᵀb + ‖R·x‖² (cancellation-prone;
			// the corrections compute it from the residual instead).
			rr = bb - 2*dot(xc, g[:n]) + rnorm2(n, t, ldt, xc)
		} else if last != -1 {
			return false // out of steps before converging
		}
		if math.IsNaN(rr) || math.IsInf(rr, 0) {
			return false
		}
		rss[r] = max(rr, 0)
		for i := 0; i < n; i++ {
			x[i*ldx+r] = xc[i]
			t[i*ldt+n+r] = dot(t[i*ldt+i:i*ldt+n], xc[i:])
		}
	}
	return true
}

// residualDD computes the residual r = b − A·x of target column r and
// g = Aᵀ·r, both in double-double arithmetic (g[:n] the high parts rounded
// to nearest with the low parts folded in, g[n:] scratch), and returns ‖r‖²
// (in double). About 20 flops per entry of A. Row-major rows are read in
// place; column-major ones are transposed in blocks of residualBlock rows
// into a row-major scratch first (reading a row at a column stride cost
// column-major calls half as much time again).
func residualDD(all *device.Rows, n, r int, x, g []float64) (rr float64) {
	hi, lo := g[:n], g[n:2*n]
	clear(hi)
	clear(lo)
	if !all.ColMajor {
		rr = residualRowsDD(all.A, all.LDA, all.K, n, all.B[r:], all.LDB, x, hi, lo)
	} else {
		blk := min(all.K, residualBlock)
		scratch := make([]float64, blk*n)
		for i0 := 0; i0 < all.K; i0 += blk {
			kb := min(blk, all.K-i0)
			// Columns of A's block are the rows of its transpose.
			transposeRows(all.A[i0:], all.LDA, n, kb, scratch, n)
			rr += residualRowsDD(scratch, n, kb, n, all.B[r*all.LDB+i0:], 1, x, hi, lo)
		}
	}
	for j := range hi {
		hi[j] += lo[j]
	}
	return rr
}

// residualBlock is the row block of residualDD's column-major path.
const residualBlock = 256

// residualRowsDD accumulates, for the k row-major rows a (leading dimension
// lda) with targets b[i*ldb], the double-double residuals' contributions to
// g = Aᵀr into (hi, lo) and returns their squared norms.
func residualRowsDD(a []float64, lda, k, n int, b []float64, ldb int, x, hi, lo []float64) (rr float64) {
	x = x[:n]
	for i := 0; i < k; i++ {
		row := a[i*lda : i*lda+n]
		// s = b_i − Σ_j a_ij·x_j, exactly up to O(ε²).
		sh, sl := b[i*ldb], 0.0
		for j, a := range row {
			p := a * x[j]
			e := math.FMA(a, x[j], -p)
			sh, sl = twoSumAdd(sh, -p, sl-e)
		}
		rh := sh + sl
		rl := sl - (rh - sh)
		rr += rh * rh
		for j, a := range row {
			p := a * rh
			e := math.FMA(a, rh, -p)
			hi[j], lo[j] = twoSumAdd(hi[j], p, lo[j]+e+a*rl)
		}
	}
	return rr
}

// twoSumAdd returns the double-double (h, l) = a + b + c, where a + b is
// added exactly (Knuth's TwoSum) and c, a small correction, joins the low
// part.
func twoSumAdd(a, b, c float64) (h, l float64) {
	h = a + b
	bb := h - a
	l = (a - (h - bb)) + (b - bb) + c
	return h, l
}

// atb sets g = Aᵀ·b for target column r and returns ‖b‖².
func atb(all *device.Rows, n, r int, g []float64) (bb float64) {
	clear(g)
	if all.ColMajor {
		b := all.B[r*all.LDB : r*all.LDB+all.K]
		for j := 0; j < n; j++ {
			g[j] = dot(all.A[j*all.LDA:j*all.LDA+all.K], b)
		}
		return sumsq(b)
	}
	for i := 0; i < all.K; i++ {
		bi := all.B[i*all.LDB+r]
		axpy(bi, all.A[i*all.LDA:i*all.LDA+n], g)
		bb += bi * bi
	}
	return bb
}

// solveNormal sets x = R⁻¹·R⁻ᵀ·g (or (RᵀR)⁺·g through svd); y is scratch.
func solveNormal(n int, t []float64, ldt int, svd *SVD, g, y, x []float64) {
	if svd != nil {
		svd.SolveNormal(1, g, 1, x, 1)
		return
	}
	// Rᵀ·y = g: forward substitution down the columns of R.
	for i := 0; i < n; i++ {
		s := g[i]
		for k := 0; k < i; k++ {
			s -= t[k*ldt+i] * y[k]
		}
		y[i] = s / t[i*ldt+i]
	}
	// R·x = y: back substitution.
	for i := n - 1; i >= 0; i-- {
		x[i] = (y[i] - dot(t[i*ldt+i+1:i*ldt+n], x[i+1:n])) / t[i*ldt+i]
	}
}

// rnorm2 returns ‖R·v‖².
func rnorm2(n int, t []float64, ldt int, v []float64) float64 {
	var s float64
	for i := 0; i < n; i++ {
		d := dot(t[i*ldt+i:i*ldt+n], v[i:])
		s += d * d
	}
	return s
}
