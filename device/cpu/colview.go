package cpu

import "unsafe"

// colView returns the k elements starting at p as a slice. The kernels pass
// column starts as pointers (the assembly signature); p always points into
// a slice with at least k elements from p on, checked by larfCols.
func colView(p *float64, k int) []float64 { return unsafe.Slice(p, k) }
