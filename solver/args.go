package solver

import (
	"math"

	"github.com/libsia/sia/device/cpu"
)

// Layout is the storage order of a matrix argument, with LAPACKE's values.
type Layout int

// The two layouts.
const (
	RowMajor Layout = 101
	ColMajor Layout = 102
)

// Extent returns how many elements a rows × cols matrix with leading
// dimension ld spans in layout: (rows−1)·ld + cols for row-major and
// (cols−1)·ld + rows for column-major. For an illegal ld it returns the
// extent LAPACKE's NaN check reads (cols or rows clamped to ld), and 0 for an
// empty matrix or ld ≤ 0. Results above MaxElements are reported as
// MaxElements+1.
//
// Callers of the C API use it to know how much of a pointer a call may read.
func Extent(layout Layout, rows, cols, ld int) int {
	if rows <= 0 || cols <= 0 || ld <= 0 {
		return 0
	}
	if layout == ColMajor {
		rows, cols = cols, rows
	}
	// Row view: rows of length min(cols, ld) every ld elements.
	if rows-1 > (MaxElements-min(cols, ld))/ld {
		return MaxElements + 1
	}
	return (rows-1)*ld + min(cols, ld)
}

// scan returns the largest magnitude in the rows × cols matrix x (leading
// dimension ld) and whether every entry is finite, visiting exactly what
// LAPACKE's NaN check visits (the column or row index clamped to ld) and
// nothing beyond len(x). The magnitude is what dgels's scaling decision
// (dlange('M')) needs, computed in the same pass as the NaN/Inf check.
func scan(layout Layout, rows, cols int, x []float64, ld int) (amax float64, finite bool) {
	if rows <= 0 || cols <= 0 || ld <= 0 {
		return 0, true
	}
	if layout == ColMajor {
		rows, cols = cols, rows
	}
	cols = min(cols, ld)
	if ld == cols { // one contiguous run
		rows, cols = 1, min(rows*cols, len(x))
	}
	for i := 0; i < rows; i++ {
		lo := i * ld
		if lo >= len(x) {
			break
		}
		a := cpu.MaxAbs(x[lo:min(lo+cols, len(x))])
		if !(a <= math.MaxFloat64) { // NaN or ±Inf
			return 0, false
		}
		amax = max(amax, a)
	}
	return amax, true
}

// gelsArgs are the arguments of a dgels-shaped call.
type gelsArgs struct {
	layout        Layout
	trans         byte
	m, n, nrhs    int
	a             []float64
	lda           int
	b             []float64
	ldb           int
	bRows, bCheck int  // rows of b spanned, rows of b read as input
	keep          bool // a cold call that may keep a memo (model ID ≥ 0)

	anrm, bnrm float64 // set by check: max |a_ij|, max |b_ij| over what it read
}

// check validates a dgels-shaped call in exactly the order LAPACKE_dgels does
// (layout; NaN in a; NaN in b; for row-major lda then ldb; then dgels's own
// checks of trans, m, n, nrhs, lda, ldb) and then what LAPACKE cannot check:
// slices (C pointers) long enough. ±Inf is rejected like NaN. Extents above
// MaxElements (and, for calls that keep a memo, n or nrhs above MaxColumns)
// are rejected with CodeTooBig right after the layout, before anything is
// read; a cold call that keeps no memo (g.keep false: a negative model ID)
// accepts every n and nrhs LAPACKE_dgels accepts. incre selects
// incre_train's rules: trans must be 'N', m ≥ 1 and n ≥ 1.
// On success g.anrm and g.bnrm hold the largest magnitudes read.
func (g *gelsArgs) check(incre bool) int {
	if g.layout != RowMajor && g.layout != ColMajor {
		return -1
	}
	ea := Extent(g.layout, g.m, g.n, g.lda)
	eb := Extent(g.layout, g.bRows, g.nrhs, g.ldb)
	if ea > MaxElements || eb > MaxElements {
		return CodeTooBig
	}
	memoized := incre || g.keep && (g.trans == 'N' || g.trans == 'n') && g.m >= g.n
	if memoized && (g.n > MaxColumns || g.nrhs > MaxColumns) {
		return CodeTooBig
	}
	var ok bool
	if g.anrm, ok = scan(g.layout, g.m, g.n, g.a, g.lda); !ok {
		return -6
	}
	if g.bnrm, ok = scan(g.layout, g.bCheck, g.nrhs, g.b, g.ldb); !ok {
		return -8
	}
	if g.layout == RowMajor {
		if g.lda < g.n {
			return -7
		}
		if g.ldb < g.nrhs {
			return -9
		}
	}
	switch {
	case g.trans != 'N' && g.trans != 'n' && (incre || g.trans != 'T' && g.trans != 't'):
		return -2
	case g.m < 0 || incre && g.m < 1:
		return -3
	case g.n < 0 || incre && g.n < 1:
		return -4
	case g.nrhs < 0:
		return -5
	}
	if g.layout == ColMajor {
		if g.lda < max(1, g.m) {
			return -7
		}
		if g.ldb < max(1, g.bRows) {
			return -9
		}
	}
	if len(g.a) < ea {
		return -6
	}
	if len(g.b) < eb {
		return -8
	}
	return CodeOK
}

// zeroB sets the rows × cols block of b to zero, as dgels's quick return does.
func zeroB(layout Layout, rows, cols int, b []float64, ldb int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	if layout == ColMajor {
		rows, cols = cols, rows
	}
	for i := 0; i < rows; i++ {
		clear(b[i*ldb : i*ldb+cols])
	}
}

// putX writes the n × nrhs row-major solution x into the first n rows of b.
func putX(layout Layout, n, nrhs int, x []float64, b []float64, ldb int) {
	for i := 0; i < n; i++ {
		for r := 0; r < nrhs; r++ {
			if layout == RowMajor {
				b[i*ldb+r] = x[i*nrhs+r]
			} else {
				b[i+r*ldb] = x[i*nrhs+r]
			}
		}
	}
}
