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

// Model is one model's memo.
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

// ModelOverhead is the fixed number of bytes a stored model costs beyond its
// float64 payload (struct, slice headers, map entry and lock), an upper bound
// used for memory accounting.
const ModelOverhead = 192

// Bytes returns the memory a stored model of shape (n, nrhs) is accounted
// for: 8·(n(n+1)/2 + n·nrhs + nrhs) + ModelOverhead.
func Bytes(n, nrhs int) int64 {
	return 8*int64(n*(n+1)/2+n*nrhs+nrhs) + ModelOverhead
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := NewModel(m.N, m.NRHS)
	c.Rows = m.Rows
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
