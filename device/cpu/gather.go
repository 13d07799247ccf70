package cpu

import "github.com/libsia/sia/device"

// gather copies rows r0..r0+kc-1 of [A | B] from src into the column-major
// kc × (n+nrhs) block w (leading dimension ldw ≥ kc): columns 0..n-1 from A,
// columns n..n+nrhs-1 from B.
func gather(src *device.Rows, r0, kc, n, nrhs int, w []float64, ldw int) {
	if src.ColMajor {
		for j := 0; j < n; j++ {
			copy(w[j*ldw:j*ldw+kc], src.A[j*src.LDA+r0:j*src.LDA+r0+kc])
		}
		for r := 0; r < nrhs; r++ {
			if src.B == nil {
				clear(w[(n+r)*ldw : (n+r)*ldw+kc])
				continue
			}
			copy(w[(n+r)*ldw:(n+r)*ldw+kc], src.B[r*src.LDB+r0:r*src.LDB+r0+kc])
		}
		return
	}
	for i := 0; i < kc; i++ {
		arow := src.A[(r0+i)*src.LDA : (r0+i)*src.LDA+n]
		for j, v := range arow {
			w[j*ldw+i] = v
		}
		if src.B == nil {
			for r := 0; r < nrhs; r++ {
				w[(n+r)*ldw+i] = 0
			}
			continue
		}
		brow := src.B[(r0+i)*src.LDB : (r0+i)*src.LDB+nrhs]
		for r, v := range brow {
			w[(n+r)*ldw+i] = v
		}
	}
}

// absorbTail adds the squared norms of rows lo..hi-1 of w's right-hand-side
// columns (n..n+nrhs-1) to rss and, when dst is not nil, scatters those rows
// into rows d0.. of dst's B.
func absorbTail(w []float64, ldw, lo, hi, n, nrhs int, rss []float64, dst *device.Rows, d0 int) {
	for r := 0; r < nrhs; r++ {
		col := w[(n+r)*ldw+lo : (n+r)*ldw+hi]
		rss[r] += sumsq(col)
		if dst == nil {
			continue
		}
		if dst.ColMajor {
			copy(dst.B[r*dst.LDB+d0:], col)
			continue
		}
		for i, v := range col {
			dst.B[(d0+i)*dst.LDB+r] = v
		}
	}
}
