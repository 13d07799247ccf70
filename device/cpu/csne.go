package cpu

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"

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
// by a factor ρ that depends on κ only (ρ ≲ c·n·ε·κ², R being the exact
// factor of a matrix within c·n·ε·‖A‖ of A), and the iteration converges to
// the least-squares solution to working precision when ρ < 1.
//
// A correction dx is accepted as the last one (converged: the answer is
// then at least as accurate as a QR solve) when
//
//   - ‖dx‖ ≤ 4·n·ε·‖X‖: the error before it was already at that level; or
//   - ρ̂·‖dx‖ ≤ 4·n·ε·‖X‖ with ρ̂ ≤ 1/2, where ρ̂ = 16·n·ε·κ̂² estimates ρ
//     from above (rho, the caller's Contraction(n, t, ldt, svd): κ̂ = 1 /
//     rcond, rcond LAPACK's 1-norm estimate of R's reciprocal condition
//     number; with svd, σ_max/σ_rank; 16·n·ε bounds
//     the backward error of the factorization that R comes from, which in
//     practice is nearer √n·ε, and the true contraction on the models
//     measured was 10⁴–10⁶ times below ρ̂): the error left after it is
//     about ρ·‖dx‖, already at the level the first rule asks of the error
//     before a correction. On well-conditioned models the first correction
//     passes this test, so a solve costs two passes over A (Aᵀb and one
//     correction) instead of three.
//
// The iteration gives up when a correction fails to shrink to half the
// previous (it does not contract: κ is too large, about κ²·ε ≳ 1), or when
// maxSteps corrections have been applied. Only convergence is accepted: Csne
// returns device.InfoUnstable otherwise, and X, T and rss are then
// unspecified (the caller refuses and cold-trains).
//
// bound > 0 makes Csne find amax = max |A| (NaN if an entry is NaN) in its
// first pass, the caller having not scanned A: when amax is not ≤ bound it
// stops at once with device.InfoRescan (see device.Job.AllBound).
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
// Cost: 2·m·n·nrhs flops for Aᵀb (one pass over A), and about 20·m·n·nrhs
// per correction (one more pass; the active kernel's resDD, four columns per
// instruction with AVX2). With workers ≥ 2 and enough rows, each pass is
// spread over up to workers goroutines on contiguous shares of the rows
// (at least ParallelMinRows each), their partial products summed in
// double-double. R must be nonsingular when svd is nil (the caller checks
// its diagonal).
func Csne(n, nrhs int, t []float64, ldt int, all *device.Rows, maxSteps int, svd *SVD, rho float64, x []float64, ldx int, rss []float64, bound float64, workers int) (amax float64, info int) {
	parts := shares(all, workers)
	g := make([]float64, 2*n) // Aᵀ·r in double-double: g[:n] + g[n:]
	y := make([]float64, n)
	dx := make([]float64, n)
	xc := make([]float64, n)
	tol := 4 * float64(n) * eps
	for r := 0; r < nrhs; r++ {
		bb, m := atbShares(parts, n, r, g[:n], r == 0 && bound > 0) // g = Aᵀb
		if r == 0 && bound > 0 {
			if amax = m; !(amax <= bound) {
				return amax, device.InfoRescan
			}
		}
		solveNormal(n, t, ldt, svd, g[:n], y, xc)
		rr := math.NaN()
		last := math.Inf(1)
		converged := false
		for s := 0; s < maxSteps; s++ {
			rr = residualShares(parts, n, r, xc, g)
			solveNormal(n, t, ldt, svd, g[:n], y, dx)
			axpy(1, dx, xc)
			d, xn := nrm2(dx), nrm2(xc)
			if d <= tol*xn || rho <= 0.5 && rho*d <= tol*xn {
				// rr is the residual of x before dx:
				// ‖r − A·dx‖² = ‖r‖² − 2·dxᵀAᵀr + ‖R·dx‖².
				rr += rnorm2(n, t, ldt, dx) - 2*dot(dx, g[:n])
				converged = true
				break
			}
			if !(d <= last/2) {
				return amax, device.InfoUnstable // does not contract
			}
			last = d
		}
		if maxSteps == 0 {
			// ‖b − A·x‖² = ‖b‖² − 2·xᵀAᵀb + ‖R·x‖² (cancellation-prone;
			// the corrections compute it from the residual instead).
			rr = bb - 2*dot(xc, g[:n]) + rnorm2(n, t, ldt, xc)
		} else if !converged {
			return amax, device.InfoUnstable // out of steps before converging
		}
		if math.IsNaN(rr) || math.IsInf(rr, 0) {
			return amax, device.InfoUnstable
		}
		rss[r] = max(rr, 0)
		for i := 0; i < n; i++ {
			x[i*ldx+r] = xc[i]
			t[i*ldt+n+r] = dot(t[i*ldt+i:i*ldt+n], xc[i:])
		}
	}
	return amax, 0
}

// shares cuts all's rows into contiguous shares for up to workers
// goroutines, each at least ParallelMinRows rows (one share, all itself,
// when workers ≤ 1 or the rows are fewer).
func shares(all *device.Rows, workers int) []device.Rows {
	p := max(1, min(workers, all.K/ParallelMinRows))
	out := make([]device.Rows, p)
	for i := range out {
		out[i] = rowsView(all, i*all.K/p, (i+1)*all.K/p)
	}
	return out
}

// onShares runs f(i) for every share i, concurrently when there are
// several. A panic in a share is re-raised on the calling goroutine after
// all have finished, where the engine's protect turns it into
// device.InfoInternal (a panic left on another goroutine would abort the
// process).
func onShares(p int, f func(i int)) {
	if p == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var crash any
	for i := range p {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					mu.Lock()
					crash = v
					mu.Unlock()
				}
			}()
			f(i)
		})
	}
	wg.Wait()
	if crash != nil {
		panic(crash)
	}
}

// atbShares is atb over the shares, their g, ‖b‖² and max |A| combined.
func atbShares(parts []device.Rows, n, r int, g []float64, scan bool) (bb, amax float64) {
	if len(parts) == 1 {
		return atb(&parts[0], n, r, g, scan)
	}
	gs := make([]float64, len(parts)*n)
	bbs, ms := make([]float64, len(parts)), make([]float64, len(parts))
	onShares(len(parts), func(i int) { bbs[i], ms[i] = atb(&parts[i], n, r, gs[i*n:(i+1)*n], scan) })
	clear(g)
	for i := range parts {
		axpy(1, gs[i*n:(i+1)*n], g)
		bb += bbs[i]
		amax = max(amax, ms[i])
	}
	return bb, amax
}

// residualShares is residualDD over the shares, their double-double
// products combined in double-double before g[:n] is rounded.
func residualShares(parts []device.Rows, n, r int, x, g []float64) (rr float64) {
	if len(parts) == 1 {
		return residualDD(&parts[0], n, r, x, g)
	}
	hl := make([]float64, len(parts)*2*n)
	rrs := make([]float64, len(parts))
	onShares(len(parts), func(i int) {
		h := hl[i*2*n : (i+1)*2*n]
		rrs[i] = residualDDNoFold(&parts[i], n, r, x, h[:n], h[n:])
	})
	hi, lo := g[:n], g[n:2*n]
	clear(hi)
	clear(lo)
	for i := range parts {
		h := hl[i*2*n : (i+1)*2*n]
		for j := 0; j < n; j++ {
			hi[j], lo[j] = twoSumAdd(hi[j], h[j], lo[j]+h[n+j])
		}
		rr += rrs[i]
	}
	for j := range hi {
		hi[j] += lo[j]
	}
	return rr
}

// eps is the unit roundoff of float64.
const eps = 0x1p-53

// Contraction returns ρ̂ = 16·n·ε·κ̂², an estimate from above of the factor
// by which one correction of Csne shrinks the error, for the factor R in
// the upper triangle of t (or its SVD): κ̂ = 1 / rcond with rcond LAPACK's
// 1-norm estimate of R's reciprocal condition number (dtrcon), or
// σ_max/σ_rank from svd. +Inf when R is singular. O(n²) (O(1) with svd).
func Contraction(n int, t []float64, ldt int, svd *SVD) float64 {
	var kappa float64
	if svd != nil {
		if svd.Rank == 0 {
			return math.Inf(1)
		}
		kappa = svd.S[0] / svd.S[svd.Rank-1]
	} else {
		var impl gonum.Implementation
		rcond := impl.Dtrcon(lapack.MaxColumnSum, blas.Upper, blas.NonUnit, n, t, ldt, make([]float64, 3*n), make([]int, n))
		if !(rcond > 0) {
			return math.Inf(1)
		}
		kappa = 1 / rcond
	}
	return 16 * float64(n) * eps * kappa * kappa
}

// residualDD computes the residual r = b − A·x of target column r and
// g = Aᵀ·r, both in double-double arithmetic (g[:n] the high parts rounded
// to nearest with the low parts folded in, g[n:] scratch), and returns ‖r‖²
// (in double). About 20 flops per entry of A. Row-major rows go through the
// active kernel's resDD; column-major ones through residualColsDD.
func residualDD(all *device.Rows, n, r int, x, g []float64) (rr float64) {
	hi, lo := g[:n], g[n:2*n]
	clear(hi)
	clear(lo)
	rr = residualDDNoFold(all, n, r, x, hi, lo)
	for j := range hi {
		hi[j] += lo[j]
	}
	return rr
}

// residualDDNoFold is residualDD accumulating g into the double-double
// pair (hi, lo), without rounding it to double at the end.
func residualDDNoFold(all *device.Rows, n, r int, x, hi, lo []float64) float64 {
	if !all.ColMajor {
		return active.resDD(all.A, all.LDA, all.K, n, all.B[r:], all.LDB, x, hi, lo)
	}
	return residualColsDD(all, n, r, x, hi, lo)
}

// residualBlock is the row block of residualColsDD: its residuals (two
// vectors of residualBlock doubles) stay in L1, its part of A in L2 between
// the two sweeps over the columns.
const residualBlock = 512

// residualColsDD is residualDD's pass over column-major rows, in blocks of
// residualBlock rows and, within a block, column by column: first
// (rh, rl) = b − Σ_j a_j·x_j in double-double (the active kernel's
// ddAxpyNeg4, four columns per load and store of (rh, rl), or ddAxpyNeg),
// then g_j += a_jᵀ·(rh + rl) (ddDot4 or ddDot) — no transposition and no
// per-row reductions. It accumulates g into (hi, lo) and returns ‖r‖².
// (Row-major rows transposed block by block into this path measured no
// faster than resDD: n = 33 and 65, thread CPU time against cold_train,
// 0.63–0.79 and 0.40–0.59 against 0.62–0.71 and 0.41–0.55.)
func residualColsDD(all *device.Rows, n, r int, x, hi, lo []float64) (rr float64) {
	blk := min(all.K, residualBlock)
	rh, rl := make([]float64, blk), make([]float64, blk)
	for i0 := 0; i0 < all.K; i0 += blk {
		kb := min(blk, all.K-i0)
		h, l := rh[:kb], rl[:kb]
		a, lda := all.A[i0:], all.LDA
		copy(h, all.B[r*all.LDB+i0:r*all.LDB+i0+kb])
		clear(l)
		col := func(j int) []float64 { return a[j*lda : j*lda+kb] }
		j := 0
		if active.ddAxpyNeg4 != nil {
			for ; j+4 <= n; j += 4 {
				cols := [4][]float64{col(j), col(j + 1), col(j + 2), col(j + 3)}
				active.ddAxpyNeg4(&cols, (*[4]float64)(x[j:j+4]), h, l)
			}
		}
		for ; j < n; j++ {
			active.ddAxpyNeg(col(j), x[j], h, l)
		}
		for i := range h {
			s := h[i] + l[i]
			l[i] -= s - h[i]
			h[i] = s
			rr += s * s
		}
		j = 0
		if active.ddDot4 != nil {
			for ; j+4 <= n; j += 4 {
				cols := [4][]float64{col(j), col(j + 1), col(j + 2), col(j + 3)}
				hl := active.ddDot4(&cols, h, l)
				for c := range 4 {
					hi[j+c], lo[j+c] = twoSumAdd(hi[j+c], hl[c][0], lo[j+c]+hl[c][1])
				}
			}
		}
		for ; j < n; j++ {
			dh, dl := active.ddDot(col(j), h, l)
			hi[j], lo[j] = twoSumAdd(hi[j], dh, lo[j]+dl)
		}
	}
	return rr
}

// ddAxpyNegGo is the portable ddAxpyNeg: (rh, rl) −= a·x, element by
// element, in double-double.
func ddAxpyNegGo(a []float64, x float64, rh, rl []float64) {
	rh, rl = rh[:len(a)], rl[:len(a)]
	for i, v := range a {
		p := v * x
		e := math.FMA(v, x, -p)
		rh[i], rl[i] = twoSumAdd(rh[i], -p, rl[i]-e)
	}
}

// ddDotGo is the portable ddDot: Σ a_i·(rh_i + rl_i) in double-double.
func ddDotGo(a, rh, rl []float64) (hi, lo float64) {
	rh, rl = rh[:len(a)], rl[:len(a)]
	for i, v := range a {
		p := v * rh[i]
		e := math.FMA(v, rh[i], -p)
		hi, lo = twoSumAdd(hi, p, lo+e+v*rl[i])
	}
	return hi, lo
}

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

// atb sets g = Aᵀ·b for target column r and returns ‖b‖² and, when scan
// is set, max |A| over all's rows (NaN if an entry is NaN or ±Inf; 0
// otherwise), found in the same pass. Row-major rows go four at a time
// through the active kernel's upd4x1Max (g −= Σ (−b_i)·a_i, and the lanes'
// max |a_i| from the registers the update loaded), so g is loaded and
// stored once per four rows and the scan reads nothing again; column-major
// ones in blocks of atbColBlock rows, column by column, through dotMax (the
// dot product and max |a| from one reading). The kernels' scans do not
// track NaN themselves: a NaN or ±Inf entry of A makes g non-finite
// (NaN·b, ±Inf·0 and Inf − Inf are NaN, ±Inf·b is infinite, and neither
// leaves a sum), and so does an overflowing product of finite entries;
// either gives NaN, which a caller comparing amax with a bound treats as
// out of range.
func atb(all *device.Rows, n, r int, g []float64, scan bool) (bb, amax float64) {
	clear(g)
	a, lda, ldb, k := all.A, all.LDA, all.LDB, all.K
	if all.ColMajor {
		b := all.B[r*ldb : r*ldb+k]
		for i0 := 0; i0 < k; i0 += atbColBlock {
			i1 := min(i0+atbColBlock, k)
			for j := 0; j < n; j++ {
				col := a[j*lda+i0 : j*lda+i1]
				if !scan {
					g[j] += dot(col, b[i0:i1])
					continue
				}
				d, m := dotMax(col, b[i0:i1])
				g[j] += d
				amax = max(amax, m)
			}
		}
		return sumsq(b), finiteOrNaN(g, amax)
	}
	b := all.B[r:]
	var v [4]*float64
	var s, mx [4]float64
	i := 0
	if n >= 4 {
		for ; i+4 <= k; i += 4 {
			_ = a[(i+3)*lda+n-1]
			for c := range 4 {
				bi := b[(i+c)*ldb]
				v[c], s[c] = &a[(i+c)*lda], -bi
				bb += bi * bi
			}
			if scan {
				active.upd4x1Max(n, &v, &g[0], &s, &mx)
			} else {
				active.upd4x1(n, &v, &g[0], &s)
			}
		}
	}
	for ; i < k; i++ {
		bi := b[i*ldb]
		row := a[i*lda : i*lda+n]
		axpy(bi, row, g)
		bb += bi * bi
		if scan {
			amax = max(amax, MaxAbs(row))
		}
	}
	if scan {
		amax = finiteOrNaN(g, max(amax, mx[0], mx[1], mx[2], mx[3]))
	}
	return bb, amax
}

// finiteOrNaN returns amax when every g[j] is finite, NaN otherwise: atb's
// verdict on a scan whose kernels do not track NaN themselves.
func finiteOrNaN(g []float64, amax float64) float64 {
	for _, v := range g {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN()
		}
	}
	return amax
}

// atbColBlock is atb's row block on column-major rows: long enough for the
// level-1 kernels, short enough for the block's part of a column to stay
// in L1 until it is scanned.
const atbColBlock = 2048

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
