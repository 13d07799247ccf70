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
	transposeRows(src.A[r0*src.LDA:], src.LDA, kc, n, w, ldw)
	if src.B == nil {
		for r := 0; r < nrhs; r++ {
			clear(w[(n+r)*ldw : (n+r)*ldw+kc])
		}
		return
	}
	transposeRows(src.B[r0*src.LDB:], src.LDB, kc, nrhs, w[n*ldw:], ldw)
}

// transposeRows copies the k × c row-major matrix a (leading dimension lda)
// into the column-major block w (leading dimension ldw): w[j*ldw+i] =
// a[i*lda+j]. Rows are taken four at a time through the active kernel's
// transpose4 (an in-register 4 × 4 transpose: each column receives four
// consecutive elements per 32-byte store instead of four stores a column
// stride apart); leftover columns and rows are copied one by one.
func transposeRows(a []float64, lda, k, c int, w []float64, ldw int) {
	if k == 0 || c == 0 {
		return
	}
	if c == 1 && lda == 1 { // one contiguous column (row-major b, nrhs = 1)
		copy(w[:k], a[:k])
		return
	}
	_ = a[(k-1)*lda+c-1]
	_ = w[(c-1)*ldw+k-1]
	t4 := active.transpose4
	c4 := c &^ 3
	i := 0
	for ; i+4 <= k; i += 4 {
		if c4 > 0 {
			t4(c4, &a[i*lda], &a[(i+1)*lda], &a[(i+2)*lda], &a[(i+3)*lda], &w[i], ldw)
		}
		for j := c4; j < c; j++ {
			d := w[j*ldw+i : j*ldw+i+4 : j*ldw+i+4]
			d[0], d[1], d[2], d[3] = a[i*lda+j], a[(i+1)*lda+j], a[(i+2)*lda+j], a[(i+3)*lda+j]
		}
	}
	for ; i < k; i++ {
		for j, v := range a[i*lda : i*lda+c] {
			w[j*ldw+i] = v
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
