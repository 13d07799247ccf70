package cpu

import "math"

// level1Min is the vector length from which dot, axpy and sumsq go to the
// active kernel's SIMD code; shorter vectors stay in Go, where a call
// through the kernel table would cost more than it saves.
const level1Min = 16

// dot returns Σ x[i]·y[i] over len(x) elements; len(y) ≥ len(x).
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	if len(x) >= level1Min {
		return active.dot1(x, y)
	}
	return dotGo(x, y)
}

// dotMax returns dot(x, y) and max |x[i]| in one reading of x where the
// active kernel has dotMax1 (which need not keep a NaN of x in the max: the
// dot product is then NaN or infinite, see atb), and from dot and MaxAbs
// otherwise. The dot product is dot's, bit for bit.
func dotMax(x, y []float64) (float64, float64) {
	y = y[:len(x)]
	if len(x) >= level1Min && active.dotMax1 != nil {
		return active.dotMax1(x, y)
	}
	return dot(x, y), MaxAbs(x)
}

// dotGo is the portable dot.
func dotGo(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy computes y[i] += alpha·x[i] over len(x) elements; len(y) ≥ len(x).
func axpy(alpha float64, x, y []float64) {
	y = y[:len(x)]
	if len(x) >= level1Min {
		active.axpy1(alpha, x, y)
		return
	}
	axpyGo(alpha, x, y)
}

// axpyGo is the portable axpy.
func axpyGo(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// scal computes x[i] *= alpha.
func scal(alpha float64, x []float64) {
	if len(x) >= level1Min {
		active.scal1(alpha, x)
		return
	}
	scalGo(alpha, x)
}

// scalGo is the portable scal.
func scalGo(alpha float64, x []float64) {
	for i := range x {
		x[i] *= alpha
	}
}

// MaxAbs returns the largest magnitude max |x[i]| (0 for an empty x), +Inf
// when some x[i] is ±Inf, and NaN when some x[i] is NaN — one pass that
// serves both LAPACKE's NaN check and dgels's scaling decision (dlange('M')).
// It runs on the active kernel (AVX2 where available).
func MaxAbs(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	return active.maxAbs(x)
}

// maxAbsGo is the portable MaxAbs: one compare per entry in the common
// case (a NaN or a new maximum takes the branch).
func maxAbsGo(x []float64) float64 {
	var amax float64
	for _, v := range x {
		if a := math.Abs(v); !(a <= amax) {
			if a != a {
				return a
			}
			amax = a
		}
	}
	return amax
}

// sumsq returns Σ x[i]².
func sumsq(x []float64) float64 {
	if len(x) >= level1Min {
		return active.dot1(x, x)
	}
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		s0 += x[i] * x[i]
		s1 += x[i+1] * x[i+1]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * x[i]
	}
	return s0 + s1
}

// Thresholds of the scaled two-norm, as in LAPACK's dnrm2 (Blue's constants
// simplified): sums of squares outside [nrm2Small, nrm2Big] are recomputed
// with scaling so that neither underflow nor overflow loses the result.
const (
	nrm2Small = 0x1p-500
	nrm2Big   = 0x1p+500
)

// nrm2 returns the Euclidean norm of x without destructive underflow or
// overflow. The fast path is a plain sum of squares; it is used when that sum
// is comfortably inside the floating-point range.
func nrm2(x []float64) float64 {
	ss := sumsq(x)
	if ss > nrm2Small && ss < nrm2Big {
		return math.Sqrt(ss)
	}
	// Slow path: LAPACK's classic scaled sum of squares.
	scale, sq := 0.0, 1.0
	for _, v := range x {
		if v == 0 {
			continue
		}
		a := math.Abs(v)
		if scale < a {
			sq = 1 + sq*(scale/a)*(scale/a)
			scale = a
		} else {
			sq += (a / scale) * (a / scale)
		}
	}
	return scale * math.Sqrt(sq)
}
