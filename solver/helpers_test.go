package solver_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/memo"
	"github.com/libsia/sia/solver"
)

// stored is a gels-shaped problem laid out as a C caller would pass it, with
// NaN-poisoned padding.
type stored struct {
	layout     solver.Layout
	m, n, nrhs int
	a          []float64
	lda        int
	b          []float64
	ldb        int
	bRows      int
}

// store lays out the row-major m × n matrix a and the rows × nrhs matrix b
// (rows ≥ the rows of b given) in layout with leading dimensions padded by
// pad; padding and unused rows of b are NaN.
func store(layout solver.Layout, m, n, nrhs int, a, b []float64, bRows, pad int) stored {
	s := stored{layout: layout, m: m, n: n, nrhs: nrhs, bRows: bRows}
	given := len(b) / max(nrhs, 1)
	if layout == solver.RowMajor {
		s.lda, s.ldb = n+pad, nrhs+pad
	} else {
		s.lda, s.ldb = max(m, 1)+pad, max(bRows, 1)+pad
	}
	s.a = nans(max(solver.Extent(layout, m, n, s.lda), 1))
	s.b = nans(max(solver.Extent(layout, bRows, nrhs, s.ldb), 1))
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s.a[s.at(i, j, s.lda)] = a[i*n+j]
		}
	}
	for i := 0; i < given; i++ {
		for r := 0; r < nrhs; r++ {
			s.b[s.at(i, r, s.ldb)] = b[i*nrhs+r]
		}
	}
	return s
}

func (s stored) at(i, j, ld int) int {
	if s.layout == solver.RowMajor {
		return i*ld + j
	}
	return i + j*ld
}

// bRow returns rows 0..rows-1 of b as a row-major rows × nrhs slice.
func (s stored) bRow(rows int) []float64 {
	out := make([]float64, rows*s.nrhs)
	for i := 0; i < rows; i++ {
		for r := 0; r < s.nrhs; r++ {
			out[i*s.nrhs+r] = s.b[s.at(i, r, s.ldb)]
		}
	}
	return out
}

// requirePadding checks that b's padding (columns ≥ nrhs, rows ≥ bRows) is
// still NaN.
func (s stored) requirePadding(t *testing.T) {
	t.Helper()
	for p, v := range s.b {
		var i, j int
		if s.layout == solver.RowMajor {
			i, j = p/s.ldb, p%s.ldb
		} else {
			i, j = p%s.ldb, p/s.ldb
		}
		if (i >= s.bRows || j >= s.nrhs) && !math.IsNaN(v) {
			require.Failf(t, "padding of b written", "b[%d] (row %d, col %d) = %v", p, i, j, v)
		}
	}
}

func (s stored) cold(sv *solver.Solver, id int64, trans byte) error {
	return sv.ColdTrain(id, s.layout, trans, s.m, s.n, s.nrhs, s.a, s.lda, s.b, s.ldb)
}

func (s stored) incre(sv *solver.Solver, id int64) error {
	return sv.IncreTrain(id, s.layout, 'N', s.m, s.n, s.nrhs, s.a, s.lda, s.b, s.ldb)
}

func nans(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = math.NaN()
	}
	return x
}

func randn(rnd *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rnd.NormFloat64()
	}
	return x
}

// requireSameMemo checks two memos are bit-for-bit identical (nil included).
func requireSameMemo(t *testing.T, want, got *memo.Model) {
	t.Helper()
	if want == nil || got == nil {
		require.Equal(t, want == nil, got == nil, "memo presence")
		return
	}
	require.Equal(t, want.N, got.N)
	require.Equal(t, want.NRHS, got.NRHS)
	require.Equal(t, want.Rows, got.Rows)
	for _, p := range [][2][]float64{{want.R, got.R}, {want.QTB, got.QTB}, {want.RSS, got.RSS}} {
		require.Equal(t, len(p[0]), len(p[1]))
		for i := range p[0] {
			require.Equal(t, math.Float64bits(p[0][i]), math.Float64bits(p[1][i]), "element %d", i)
		}
	}
}

// unpackR returns the memo's R as a dense row-major n × n matrix.
func unpackR(m *memo.Model) []float64 {
	t := make([]float64, m.N*(m.N+m.NRHS))
	m.Unpack(t, m.N+m.NRHS, make([]float64, m.NRHS))
	r := make([]float64, m.N*m.N)
	for i := 0; i < m.N; i++ {
		copy(r[i*m.N:(i+1)*m.N], t[i*(m.N+m.NRHS):i*(m.N+m.NRHS)+m.N])
	}
	return r
}
