package cpu

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/libsia/sia/device"
)

// Chdd removes the K rows of del (and their targets) from the augmented
// factor T = [R | C] (C = Qᵀb; row-major, leading dimension ldt) and from the
// residual sums of squares rss, by LINPACK's dchdd downdating (Saunders'
// method): for each removed row z with targets y,
//
//	solve Rᵀ·a = z;  α² = 1 − ‖a‖²  (> 0 iff removing z keeps RᵀR − zzᵀ
//	                                  positive definite)
//	Givens rotations (c_i, s_i), i = n−1 … 0, chosen so that they rotate
//	[a; α] into [0; 1], applied to [R; 0] turn it into [R′; zᵀ], with
//	R′ᵀR′ = RᵀR − z·zᵀ; the same rotations applied to [C; y] give C′ and
//	the removed row's residual ζ, and rss −= ζ².
//
// O(n²) per row. Removing rows is ill-conditioned when a row carries most of
// the information in some direction (errors grow like ε/α²), or when its
// target lies far off the fit (errors like ε·|ζ|/α in the downdated Qᵀb);
// Chdd refuses (returns false, T and rss then unspecified) when α² <
// device.DowndateMinAlpha2 for some row, when a row's |ζ| exceeds the norm
// cn of the downdated Qᵀb column or 1/α² + |ζ|/(α·cn), the two
// amplifications together, exceeds 1/DowndateMinAlpha2, when a residual sum of squares would become
// negative beyond rounding, or when the 1-norm condition estimate of the
// result exceeds device.DowndateMaxCond.
func Chdd(n, nrhs int, t []float64, ldt int, del *device.Rows, rss []float64) bool {
	z := make([]float64, n)
	y := make([]float64, nrhs)
	a := make([]float64, n)
	c := make([]float64, n)
	s := make([]float64, n)
	rss0 := append([]float64(nil), rss...)
	for row := 0; row < del.K; row++ {
		for j := 0; j < n; j++ {
			z[j] = del.A[at(del.ColMajor, row, j, del.LDA)]
		}
		for r := 0; r < nrhs; r++ {
			y[r] = del.B[at(del.ColMajor, row, r, del.LDB)]
		}
		// Rᵀ·a = z.
		for i := 0; i < n; i++ {
			d := t[i*ldt+i]
			if d == 0 {
				return false
			}
			v := z[i]
			for k := 0; k < i; k++ {
				v -= t[k*ldt+i] * a[k]
			}
			a[i] = v / d
		}
		alpha2 := 1 - sumsq(a)
		if !(alpha2 >= device.DowndateMinAlpha2) {
			return false
		}
		alpha := math.Sqrt(alpha2)
		for i := n - 1; i >= 0; i-- {
			scale := alpha + math.Abs(a[i])
			p, q := alpha/scale, a[i]/scale
			nrm := math.Hypot(p, q)
			c[i], s[i] = p/nrm, q/nrm
			alpha = scale * nrm
		}
		for j := 0; j < n; j++ {
			var xx float64
			for i := j; i >= 0; i-- {
				rij := t[i*ldt+j]
				tt := c[i]*xx + s[i]*rij
				t[i*ldt+j] = c[i]*rij - s[i]*xx
				xx = tt
			}
		}
		for r := 0; r < nrhs; r++ {
			zeta := y[r]
			for i := 0; i < n; i++ {
				ci := &t[i*ldt+n+r]
				*ci = (*ci - s[i]*zeta) / c[i]
				zeta = c[i]*zeta - s[i]**ci
			}
			// The removed row's transformed residual ζ must not dwarf
			// what remains of Qᵀb (cn): the downdated Qᵀb carries a
			// relative error of about ε·|ζ|/(α·cn), which QR on the
			// remaining rows does not have, on top of the ε/α² of the
			// rotations. Refused: |ζ| > cn (the target lies far off the
			// fit), or the two amplifications together above the
			// 1/DowndateMinAlpha2 the rotations alone may reach —
			// α² = 0.01 with a far-off target went through at 11× QR's
			// error on the portable kernels (TestDecreEdge).
			var cn float64
			for i := 0; i < n; i++ {
				cn = math.Hypot(cn, t[i*ldt+n+r])
			}
			if z := math.Abs(zeta); z > cn || 1/alpha2+z/(math.Sqrt(alpha2)*cn) > 1/device.DowndateMinAlpha2 {
				return false
			}
			rss[r] -= zeta * zeta
			// Rounding may leave a tiny negative value; more than that
			// means the row was not part of the model.
			if rss[r] < -1e-8*(rss0[r]+zeta*zeta) {
				return false
			}
			rss[r] = max(rss[r], 0)
		}
	}
	var impl gonum.Implementation
	rcond := impl.Dtrcon(lapack.MaxColumnSum, blas.Upper, blas.NonUnit, n, t, ldt, make([]float64, 3*n), make([]int, n))
	return rcond*device.DowndateMaxCond >= 1
}

// at is the index of element (i, j) of a matrix in the given layout.
func at(colMajor bool, i, j, ld int) int {
	if colMajor {
		return i + j*ld
	}
	return i*ld + j
}
