package solver_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/solver"
)

// TestRankOnError: every *Rank call returns rank −1 with its error (sia.h:
// sia_last_rank is −1 after a failed call), on each path that can fail —
// illegal arguments, a rank-deficient non-memoized shape, an engine
// failure, a missing memo, a negative ID. (Mutants of `return -1, …`
// survived every test.)
func TestRankOnError(t *testing.T) {
	R := solver.RowMajor
	sv := solver.New()
	seedMemo(t, sv, 1, 3, 1)
	buf := func(n int) []float64 { return make([]float64, n) }
	zeroCol := []float64{1, 0, 2, 0, 3, 0} // 3 × 2 row-major, column 1 zero
	cases := []struct {
		name string
		call func() (int, error)
	}{
		{"cold: bad layout", func() (int, error) { return sv.ColdTrainRank(2, 0, 'N', 4, 3, 1, buf(12), 3, buf(4), 1) }},
		{"cold m<n: rank deficient", func() (int, error) {
			return sv.ColdTrainRank(-1, R, 'N', 2, 3, 1, []float64{1, 2, 3, 0, 0, 0}, 3, []float64{1, 2, 0}, 1)
		}},
		{"cold: rank deficient", func() (int, error) { return sv.ColdTrainRank(2, R, 'N', 3, 2, 1, zeroCol, 2, []float64{1, 2, 3}, 1) }},
		{"incre: bad trans", func() (int, error) { return sv.IncreTrainRank(1, R, 'T', 1, 3, 1, buf(3), 3, buf(3), 1) }},
		{"incre: negative id", func() (int, error) { return sv.IncreTrainRank(-1, R, 'N', 1, 3, 1, buf(3), 3, buf(3), 1) }},
		{"incre: no memo", func() (int, error) { return sv.IncreTrainRank(9, R, 'N', 1, 3, 1, buf(3), 3, buf(3), 1) }},
		{"incre: n differs", func() (int, error) { return sv.IncreTrainRank(1, R, 'N', 1, 4, 1, buf(4), 4, buf(4), 1) }},
		{"shifted: bad k", func() (int, error) {
			return sv.IncreTrainShiftedRank(1, R, 0, 3, 1, buf(3), 3, 10, buf(30), 3, buf(10), 1)
		}},
	}
	for _, c := range cases {
		rank, err := c.call()
		require.Error(t, err, c.name)
		require.Equal(t, -1, rank, "%s: %v", c.name, err)
	}
	// An engine failure on a memoized cold call.
	eng := &failEngine{info: device.InfoInternal, fails: func(*device.Job) bool { return true }}
	rank, err := solver.New(solver.WithEngine(eng)).ColdTrainRank(3, R, 'N', 4, 2, 1, []float64{1, 2, 3, 4, 5, 6, 7, 9}, 2, buf(4), 1)
	require.Equal(t, solver.CodeInternal, solver.Code(err))
	require.Equal(t, -1, rank)
}

// TestExtent pins Extent's arithmetic, its clamping of an illegal ld and
// its bound: a span of exactly MaxElements is reported as such, one element
// more as MaxElements+1.
func TestExtent(t *testing.T) {
	R, C := solver.RowMajor, solver.ColMajor
	for _, tc := range []struct {
		layout         solver.Layout
		rows, cols, ld int
		want           int
	}{
		{R, 3, 5, 7, 2*7 + 5},
		{C, 5, 3, 7, 2*7 + 5},
		{R, 3, 5, 4, 2*4 + 4}, // ld < cols: LAPACKE's NaN check reads min(cols, ld)
		{C, 5, 3, 2, 2*2 + 2},
		{R, 1, 5, 5, 5},
		{R, 0, 5, 5, 0},
		{R, 3, 0, 5, 0},
		{R, 3, 5, 0, 0},
		{R, -1, 5, 5, 0},
		{R, 1 << 20, 1 << 20, 1 << 20, solver.MaxElements},
		{R, 1<<20 + 1, 1 << 20, 1 << 20, solver.MaxElements + 1},
		{C, 1 << 20, 1<<20 + 1, 1 << 20, solver.MaxElements + 1},
		{R, 2, solver.MaxElements, solver.MaxElements, solver.MaxElements + 1},
		{R, 1, solver.MaxElements, solver.MaxElements, solver.MaxElements},
		{R, math.MaxInt32, math.MaxInt32, math.MaxInt32, solver.MaxElements + 1},
	} {
		require.Equal(t, tc.want, solver.Extent(tc.layout, tc.rows, tc.cols, tc.ld), "%+v", tc)
	}
}

// TestStrerrorRanges: the argument-code range is −1 … −999 exactly; codes a
// call does not number fall back to the code-only description.
func TestStrerrorRanges(t *testing.T) {
	require.Equal(t, "illegal argument", solver.Strerror(-999))
	require.Equal(t, "unknown error code", solver.Strerror(-1000))
	require.Equal(t, "unknown error code", solver.StrerrorOp("cold_train", -1000))
	require.Equal(t, "success", solver.StrerrorOp("cold_train", 0))
	require.Contains(t, solver.StrerrorOp("cold_train", 1), "rank deficient")
	require.Equal(t, "illegal ldb (argument 9)", solver.StrerrorOp("cold_train", -9))
	require.Equal(t, solver.Strerror(-10), solver.StrerrorOp("cold_train", -10), "cold_train has 9 arguments")
	require.Equal(t, "illegal ldb (argument 11)", solver.StrerrorOp("incre_train_shifted", -11))
	require.Equal(t, "illegal matrix_layout (argument 1)", solver.StrerrorOp("incre_train", -1))
	require.Equal(t, solver.Strerror(-4), solver.StrerrorOp("memo_merge", -4))
	require.Equal(t, solver.Strerror(-2), solver.StrerrorOp("no_such_call", -2))
}
