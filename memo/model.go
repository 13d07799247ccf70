// Package memo owns libsia's state: per-model memoized QR factors, keyed by
// model ID, in a thread-safe store.
//
// A model's memo is everything incremental training needs and nothing it does
// not: the n × n upper-triangular R of the model's key matrix A (stored packed,
// n(n+1)/2 values), Qᵀb for its nrhs target columns, the number of rows
// absorbed and the residual sum of squares of each target column. For rows A
// with A = Q·R, R and Qᵀb determine the least-squares solution, and the R of
// [A; A_new] is the R of [R; A_new] (up to row signs), so old rows are never
// needed again.
package memo

import "math"

// Model is one model's memo.
//
// Scaling: the factor is stored scaled by powers of two, R as 2^EA·R and
// Qᵀb as 2^EB·Qᵀb (so RSS as 2^(2·EB)·RSS), so that models of data near the
// ends of the floating-point range (entries ~1e300, denormals) are stored
// and updated without overflow or underflow — their true R may not even be
// representable. EA = EB = 0 for data of ordinary magnitude. Scaling by a
// power of two is exact, so the choice of exponents does not change the
// model.
type Model struct {
	// N is the number of columns of A (key features plus bias), NRHS the
	// number of target columns.
	N, NRHS int
	// Rows is the number of rows absorbed so far.
	Rows int64
	// R holds the upper triangle of R packed row by row: R(i,j), j ≥ i, at
	// R[i*N − i*(i−1)/2 + (j−i)]. len(R) = N(N+1)/2.
	R []float64
	// QTB is Qᵀb restricted to its first N rows, N × NRHS row-major.
	QTB []float64
	// RSS[r] is the residual sum of squares of target column r.
	RSS []float64
	// EA and EB are the binary exponents R and Qᵀb are stored scaled by
	// (see Model).
	EA, EB int32
	// AMax and BMax are the largest magnitudes of an entry of the rows and
	// of the targets absorbed so far (unscaled; deleting rows does not lower
	// them). They decide the scaling without a pass over R.
	AMax, BMax float64
}

// NewModel returns a zeroed model of the given shape.
func NewModel(n, nrhs int) *Model {
	buf := make([]float64, n*(n+1)/2+n*nrhs+nrhs)
	return &Model{
		N:    n,
		NRHS: nrhs,
		R:    buf[: n*(n+1)/2 : n*(n+1)/2],
		QTB:  buf[n*(n+1)/2 : n*(n+1)/2+n*nrhs : n*(n+1)/2+n*nrhs],
		RSS:  buf[n*(n+1)/2+n*nrhs:],
	}
}

// ModelOverhead is what a stored model costs beside its payload: the Model
// struct (120 bytes, allocated as 128), the store's slot (48 bytes: ID,
// lock, reference count, model and LRU links) and MapEntryBytes for its
// entry in the store's map.
const ModelOverhead = 128 + 48 + MapEntryBytes

// MapEntryBytes bounds what one ID costs in the store's map (a Go swiss
// table of 8-byte keys and 8-byte values): a full table of 1 024 slots
// occupies 18 432 bytes and holds 448 to 896 IDs between its splits, 21 to
// 41 bytes per ID; 48 leaves room for the table directory and uneven
// splits.
const MapEntryBytes = 48

// Bytes returns the heap a stored model of shape (n, nrhs) occupies, as the
// store accounts it: the float64 payload, 8·(n(n+1)/2 + n·nrhs + nrhs)
// bytes, as the Go allocator rounds it (AllocSize), plus ModelOverhead.
// TestHeapPerModel measures the real heap per model against it.
func Bytes(n, nrhs int) int64 {
	return AllocSize(8*int64(n*(n+1)/2+n*nrhs+nrhs)) + ModelOverhead
}

// sizeClasses are the Go allocator's size classes (runtime's
// SizeClassToSize, unchanged since Go 1.21): a small allocation occupies the
// smallest class that holds it.
var sizeClasses = [...]int64{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
	256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536,
	1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472,
	9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// AllocSize returns the bytes the Go allocator occupies for a pointer-free
// allocation of size bytes: its size class up to 32 KiB, whole 8 KiB pages
// above.
func AllocSize(size int64) int64 {
	if size <= 0 {
		return 0
	}
	if size > sizeClasses[len(sizeClasses)-1] {
		return (size + 8191) &^ 8191
	}
	for _, c := range sizeClasses {
		if c >= size {
			return c
		}
	}
	return size // not reached
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := NewModel(m.N, m.NRHS)
	c.Rows = m.Rows
	c.EA, c.EB, c.AMax, c.BMax = m.EA, m.EB, m.AMax, m.BMax
	copy(c.R, m.R)
	copy(c.QTB, m.QTB)
	copy(c.RSS, m.RSS)
	return c
}

// Unpack writes the model as the augmented factor T = [R | QTB] (N × (N+NRHS),
// row-major, leading dimension ldt ≥ N+NRHS) with zeros below R's diagonal,
// and copies RSS into rss.
func (m *Model) Unpack(t []float64, ldt int, rss []float64) {
	n, nc := m.N, m.N+m.NRHS
	p := 0
	for i := 0; i < n; i++ {
		row := t[i*ldt : i*ldt+nc]
		clear(row[:i])
		p += copy(row[i:n], m.R[p:p+n-i])
		copy(row[n:], m.QTB[i*m.NRHS:(i+1)*m.NRHS])
	}
	copy(rss, m.RSS)
}

// Pack stores the augmented factor T (as Unpack writes it; the strictly lower
// part of R is not read) and rss into m.
func (m *Model) Pack(t []float64, ldt int, rss []float64) {
	n, nc := m.N, m.N+m.NRHS
	p := 0
	for i := 0; i < n; i++ {
		row := t[i*ldt : i*ldt+nc]
		p += copy(m.R[p:p+n-i], row[i:n])
		copy(m.QTB[i*m.NRHS:(i+1)*m.NRHS], row[n:])
	}
	copy(m.RSS, rss)
}

// RescaleFactor converts an augmented factor T and rss, as Unpack writes
// them for exponents (fromA, fromB), to exponents (toA, toB): columns
// 0..n-1 of T are multiplied by 2^(toA−fromA), columns n..n+nrhs-1 by
// 2^(toB−fromB) and rss by 2^(2·(toB−fromB)) — exactly, unless a value
// leaves the normal range.
func RescaleFactor(n, nrhs int, t []float64, ldt int, rss []float64, fromA, fromB, toA, toB int) {
	da, db := toA-fromA, toB-fromB
	if da == 0 && db == 0 {
		return
	}
	for i := 0; i < n; i++ {
		row := t[i*ldt : i*ldt+n+nrhs]
		if da != 0 {
			for j := i; j < n; j++ {
				row[j] = math.Ldexp(row[j], da)
			}
		}
		if db != 0 {
			for j := n; j < n+nrhs; j++ {
				row[j] = math.Ldexp(row[j], db)
			}
		}
	}
	for r := range rss {
		rss[r] = math.Ldexp(rss[r], 2*db)
	}
}

// bounds returns upper bounds of the largest magnitudes of the rows and the
// targets an unscaled model absorbed, from its factor alone: a row's entry
// a_ij is bounded by column j's norm, which is ‖R(:,j)‖, and a target b_i by
// ‖b‖ = (‖Qᵀb‖² + RSS)^½. Used for records written before AMax and BMax
// existed.
func (m *Model) bounds() (amax, bmax float64) {
	n := m.N
	col := make([]float64, n)
	p := 0
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			col[j] = math.Hypot(col[j], m.R[p])
			p++
		}
	}
	for _, v := range col {
		amax = max(amax, v)
	}
	for r := 0; r < m.NRHS; r++ {
		ss := math.Sqrt(max(m.RSS[r], 0))
		for i := 0; i < n; i++ {
			ss = math.Hypot(ss, m.QTB[i*m.NRHS+r])
		}
		bmax = max(bmax, ss)
	}
	return amax, bmax
}
