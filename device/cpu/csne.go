package cpu

import "github.com/libsia/sia/device"

// Csne solves min ‖A·X − B‖₂ for all rows of all (A m × n, B m × nrhs, in
// all's layout) by corrected semi-normal equations, given R, the triangular
// factor of A (upper triangle of the augmented factor T, leading dimension
// ldt), without factoring A:
//
//	X₀     = R⁻¹·R⁻ᵀ·Aᵀ·B
//	Xₛ₊₁   = Xₛ + R⁻¹·R⁻ᵀ·Aᵀ·(B − A·Xₛ),   s = 0 … refine−1
//
// Plain semi-normal equations lose about κ²·ε; each correction step brings
// the error back towards QR's κ·ε (measured figures in the README). When svd
// is not nil, (RᵀR)⁺ = V·Σ⁺²·Vᵀ over svd's rank replaces R⁻¹R⁻ᵀ, giving the
// minimum-norm solution of a rank-deficient problem.
//
// On exit X (n × nrhs, row-major, leading dimension ldx) holds the solution,
// columns n..n+nrhs-1 of T hold Qᵀb = R·X (so that a later update of T is
// consistent with the targets B), and rss[r] = ‖B[:,r] − A·X[:,r]‖². Each
// pass over A costs 2·m·n·nrhs flops: one for Aᵀb and one per correction.
// R must be nonsingular when svd is nil (the caller checks its diagonal).
func Csne(n, nrhs int, t []float64, ldt int, all *device.Rows, refine int, svd *SVD, x []float64, ldx int, rss []float64) {
	g := make([]float64, n)
	y := make([]float64, n)
	dx := make([]float64, n)
	xc := make([]float64, n)
	buf := make([]float64, csneBlock)
	for r := 0; r < nrhs; r++ {
		bb := atb(all, n, r, g) // g = Aᵀb
		solveNormal(n, t, ldt, svd, g, y, xc)
		var rr float64
		for s := 0; s < refine; s++ {
			rr = residual(all, n, r, xc, g, buf) // g = Aᵀ(b − A·x)
			solveNormal(n, t, ldt, svd, g, y, dx)
			// ‖b − A(x+dx)‖² = ‖r‖² − 2·gᵀdx + ‖A·dx‖², and ‖A·dx‖ = ‖R·dx‖.
			rr += -2*dot(g, dx) + rnorm2(n, t, ldt, dx)
			axpy(1, dx, xc)
		}
		if refine == 0 {
			// ‖b − A·x‖² = ‖b‖² − 2·xᵀAᵀb + ‖R·x‖² (cancellation-prone;
			// refinement computes it from the residual instead).
			rr = bb - 2*dot(xc, g) + rnorm2(n, t, ldt, xc)
		}
		rss[r] = max(rr, 0)
		for i := 0; i < n; i++ {
			x[i*ldx+r] = xc[i]
			t[i*ldt+n+r] = dot(t[i*ldt+i:i*ldt+n], xc[i:])
		}
	}
}

// csneBlock is the number of rows of a column-major A processed per block.
const csneBlock = 256

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

// residual computes r = b − A·x for target column r, sets g = Aᵀ·r and
// returns ‖r‖². buf is scratch of csneBlock elements.
func residual(all *device.Rows, n, r int, x, g, buf []float64) (rr float64) {
	clear(g)
	if all.ColMajor {
		for lo := 0; lo < all.K; lo += csneBlock {
			hi := min(lo+csneBlock, all.K)
			res := buf[:hi-lo]
			copy(res, all.B[r*all.LDB+lo:r*all.LDB+hi])
			for j := 0; j < n; j++ {
				axpy(-x[j], all.A[j*all.LDA+lo:j*all.LDA+hi], res)
			}
			for j := 0; j < n; j++ {
				g[j] += dot(all.A[j*all.LDA+lo:j*all.LDA+hi], res)
			}
			rr += sumsq(res)
		}
		return rr
	}
	for i := 0; i < all.K; i++ {
		a := all.A[i*all.LDA : i*all.LDA+n]
		ri := all.B[i*all.LDB+r] - dot(a, x)
		axpy(ri, a, g)
		rr += ri * ri
	}
	return rr
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
