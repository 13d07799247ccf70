package solver_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/libsia/sia/device/dispatch"
	"github.com/libsia/sia/solver"
)

// Tests for survivors of gremlins runs (docs/mutation.md): promises whose
// edge cases no other test built.

// ldexp returns a copy of x with every entry multiplied by 2^e.
func ldexp(x []float64, e int) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = math.Ldexp(v, e)
	}
	return y
}

// TestArgEdges: each argument rule at its exact boundary — the largest
// finite entry is finite, an extent of exactly MaxElements is not too big,
// MaxColumns columns (or targets) are allowed, ID 0 and trans 'n' keep a
// memo, and the column limit applies only to calls that keep one (m ≥ n).
func TestArgEdges(t *testing.T) {
	R := solver.RowMajor
	const maxc = solver.MaxColumns
	sv := solver.New()
	buf := func(n int) []float64 { return make([]float64, n) }
	ones := func(n int) []float64 {
		x := buf(n)
		for i := range x {
			x[i] = 1 + float64(i%7)
		}
		return x
	}
	cases := []struct {
		name string
		call func() error
		want int
	}{
		{"largest finite entry of a accepted", func() error {
			return sv.ColdTrain(-1, R, 'N', 2, 1, 1, []float64{math.MaxFloat64, -math.MaxFloat64 / 2}, 1, []float64{1, 2}, 1)
		}, 0},
		{"largest finite entry of b accepted", func() error {
			return sv.ColdTrain(-1, R, 'N', 2, 1, 1, []float64{1, 2}, 1, []float64{math.MaxFloat64 / 4, -math.MaxFloat64}, 1)
		}, 0},
		{"extent of exactly MaxElements is checked, not too big", func() error {
			return sv.ColdTrain(-1, R, 'N', 1<<20, 1<<20, 1, buf(8), 1<<20, buf(1<<20), 1)
		}, -6},
		{"incre: n = MaxColumns allowed", func() error {
			return sv.IncreTrain(9, R, 'N', 1, maxc, 1, ones(maxc), maxc, buf(maxc), 1)
		}, solver.CodeNoMemo},
		{"incre: nrhs = MaxColumns allowed", func() error {
			return sv.IncreTrain(9, R, 'N', 1, 1, maxc, ones(1), 1, buf(maxc), maxc)
		}, solver.CodeNoMemo},
		{"cold m < n keeps no memo: n over MaxColumns allowed", func() error {
			return sv.ColdTrain(3, R, 'N', 1, maxc+1, 1, ones(maxc+1), maxc+1, buf(maxc+1), 1)
		}, 0},
		{"cold trans 'n' keeps a memo: n over MaxColumns refused", func() error {
			return sv.ColdTrain(2, R, 'n', maxc+1, maxc+1, 1, nil, maxc+1, nil, 1)
		}, solver.CodeTooBig},
		{"cold ID 0 keeps a memo: n over MaxColumns refused", func() error {
			return sv.ColdTrain(0, R, 'N', maxc+1, maxc+1, 1, nil, maxc+1, nil, 1)
		}, solver.CodeTooBig},
	}
	for _, c := range cases {
		err := c.call()
		require.Equal(t, c.want, solver.Code(err), "%s: %v", c.name, err)
	}
}

// TestQuickReturnZeroesB: dgels's quick return (n = 0, or nrhs rows of an
// all-zero A on the no-memo path) zeroes exactly the max(m,n) × nrhs block
// of b in both layouts, every row of it, and nothing of the padding.
func TestQuickReturnZeroesB(t *testing.T) {
	for _, c := range []struct {
		name   string
		layout solver.Layout
		id     int64
		m, n   int
		ldb    int
		keep   []int // indices of b outside the block
	}{
		{"row n=0", solver.RowMajor, 1, 3, 0, 3, []int{2, 5, 8}},
		{"col n=0", solver.ColMajor, 1, 3, 0, 4, []int{3, 7, 8}},
		{"row m<n a=0", solver.RowMajor, -1, 1, 3, 3, []int{2, 5, 8}},
		{"col m<n a=0", solver.ColMajor, -1, 1, 3, 4, []int{3, 7, 8}},
	} {
		b := make([]float64, 9)
		for i := range b {
			b[i] = float64(i + 1)
		}
		a := make([]float64, max(c.m*c.n, 1))
		lda := c.n
		if c.layout == solver.ColMajor {
			lda = c.m
		}
		require.NoError(t, solver.New().ColdTrain(c.id, c.layout, 'N', c.m, c.n, 2, a, max(lda, 1), b, c.ldb), c.name)
		for i := range b {
			if contains(c.keep, i) {
				require.Equal(t, float64(i+1), b[i], "%s: padding b[%d] changed", c.name, i)
			} else {
				require.Zero(t, b[i], "%s: b[%d] not zeroed", c.name, i)
			}
		}
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestGelsScaling: on the dgels path (trans 'T', or m < n) data beyond
// [smlnum, bignum] are scaled by powers of two and the scaling undone —
// the solution rows by 2^(ea−eb), the residual rows by 2^−eb: a and b
// multiplied by 2^sa and 2^sb give exactly x·2^(sb−sa) and residual·2^sb.
func TestGelsScaling(t *testing.T) {
	rnd := rand.New(rand.NewPCG(21, 22))
	for _, c := range []struct {
		name   string
		trans  byte
		m, n   int
		sa, sb int
	}{
		{"T m<n least squares, both huge", 'T', 2, 4, 1000, 990},
		{"T m<n least squares, both tiny", 'T', 2, 4, -1000, -980},
		{"N m<n minimum norm, both tiny", 'N', 2, 4, -1000, -990},
		{"T m>n minimum norm, a tiny", 'T', 4, 2, -990, 10},
		{"T m<n least squares, a subnormal", 'T', 2, 4, -1060, -1000},
		{"N m<n minimum norm, a subnormal", 'N', 2, 4, -1060, -1000},
	} {
		const nrhs = 2
		// Integers below 2^23: a·2^sa is exact even among the subnormals.
		a := randn(rnd, c.m*c.n)
		for i := range a {
			a[i] = math.Round(math.Ldexp(a[i], 20))
		}
		rowsB := max(c.m, c.n)
		b := randn(rnd, rowsB*nrhs)
		want := append([]float64(nil), b...)
		require.NoError(t, solver.New().ColdTrain(-1, solver.RowMajor, c.trans, c.m, c.n, nrhs, a, c.n, want, nrhs), c.name)
		got := ldexp(b, c.sb)
		require.NoError(t, solver.New().ColdTrain(-1, solver.RowMajor, c.trans, c.m, c.n, nrhs, ldexp(a, c.sa), c.n, got, nrhs), c.name)
		xrows := c.m // rows of the solution: m for trans 'T', n for 'N'
		if c.trans == 'N' {
			xrows = c.n
		}
		for i := 0; i < rowsB; i++ {
			e := c.sb - c.sa
			if i >= xrows {
				e = c.sb
			}
			for r := 0; r < nrhs; r++ {
				w := math.Ldexp(want[i*nrhs+r], e)
				require.InDelta(t, 1, got[i*nrhs+r]/w, 1e-12, "%s: b[%d][%d] = %g, want %g", c.name, i, r, got[i*nrhs+r], w)
			}
		}
	}
}

// TestMemoScaling: the memoized path scales rows into dgels's range and
// targets into the narrow one (the memo stores them so: |Qᵀb| ≤ 2^400),
// for ID 0 as for any other, and undoes it exactly on the solution; an
// incremental call that changes the exponents rescales the memo.
func TestMemoScaling(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	const m, n, nrhs = 6, 2, 1
	a := randn(rnd, m*n)
	b := randn(rnd, m*nrhs)
	want := append([]float64(nil), b...)
	require.NoError(t, solver.New().ColdTrain(-1, solver.RowMajor, 'N', m, n, nrhs, a, n, want, nrhs))
	for _, c := range []struct {
		name   string
		id     int64
		sa, sb int
	}{
		{"a huge", 3, 1000, 0},
		{"a tiny", 3, -1000, 0},
		{"b beyond the narrow range", 0, 0, 500},
		{"b beyond the narrow range, id 4", 4, 0, 500},
		{"both", 0, -1000, -600},
	} {
		sv := solver.New()
		got := ldexp(b, c.sb)
		require.NoError(t, sv.ColdTrain(c.id, solver.RowMajor, 'N', m, n, nrhs, ldexp(a, c.sa), n, got, nrhs), c.name)
		for i := 0; i < n; i++ {
			w := math.Ldexp(want[i], c.sb-c.sa)
			require.InDelta(t, 1, got[i]/w, 1e-12, "%s: x[%d] = %g, want %g", c.name, i, got[i], w)
		}
		md := sv.Memo(c.id)
		require.NotNil(t, md, c.name)
		require.NotZero(t, md.EB|md.EA, "%s: memo stored unscaled", c.name)
		if c.sb != 0 {
			require.NotZero(t, md.EB, "%s: targets beyond 2^400 stored unscaled", c.name)
		}
	}

	// Incremental: a memo of rows and targets near 2^1000, then rows and
	// targets near 2^1010 (both exponents change): the same as one cold fit
	// of all rows.
	a2 := randn(rnd, m*n)
	b2 := randn(rnd, m*nrhs)
	all := append(ldexp(a, 1000), ldexp(a2, 1010)...)
	want2 := append(ldexp(b, 1000), ldexp(b2, 1010)...)
	require.NoError(t, solver.New().ColdTrain(-1, solver.RowMajor, 'N', 2*m, n, nrhs, all, n, want2, nrhs))
	sv := solver.New()
	require.NoError(t, sv.ColdTrain(1, solver.RowMajor, 'N', m, n, nrhs, ldexp(a, 1000), n, ldexp(b, 1000), nrhs))
	got := ldexp(b2, 1010)
	require.NoError(t, sv.IncreTrain(1, solver.RowMajor, 'N', m, n, nrhs, ldexp(a2, 1010), n, got, nrhs))
	for i := 0; i < n; i++ {
		require.InDelta(t, 1, got[i]/want2[i], 1e-10, "incremental x[%d] = %g, want %g", i, got[i], want2[i])
	}
}

// TestZeroMatrixMemoized: an all-zero A on the memoized path gives the zero
// solution (dgels's quick return for A = 0), not "rank deficient".
func TestZeroMatrixMemoized(t *testing.T) {
	for _, c := range []struct {
		layout   solver.Layout
		lda, ldb int
	}{{solver.RowMajor, 2, 1}, {solver.ColMajor, 3, 3}} {
		b := []float64{1, 2, 3}
		require.NoError(t, solver.New().ColdTrain(2, c.layout, 'N', 3, 2, 1, make([]float64, 6), c.lda, b, c.ldb))
		require.Equal(t, []float64{0, 0, 0}, b)
	}
}

// TestMemoTargetRange: memoized models scale all their target columns by one
// exponent, so a column pushed below smlnum by it cannot be kept — a cold
// call then answers as dgels and keeps no memo (for ID 0 too), and an
// incremental call refuses with SIA_ECOLD; a column already that small at
// an unchanged exponent is kept.
func TestMemoTargetRange(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 9))
	const m, n, nrhs = 6, 2, 2
	a := randn(rnd, m*n)
	mixed := func(big, small int) []float64 {
		b := randn(rnd, m*nrhs)
		for i := 0; i < m; i++ {
			b[i*nrhs] = math.Ldexp(b[i*nrhs], big)
			b[i*nrhs+1] = math.Ldexp(b[i*nrhs+1], small)
		}
		return b
	}
	// Cold, columns 2^500 and 2^-900: the second would go below smlnum.
	for _, id := range []int64{0, 5} {
		sv := solver.New()
		seedMemo(t, sv, id, n, nrhs)
		b := mixed(500, -900)
		want := append([]float64(nil), b...)
		require.NoError(t, sv.ColdTrain(-1, solver.RowMajor, 'N', m, n, nrhs, a, n, want, nrhs))
		require.NoError(t, sv.ColdTrain(id, solver.RowMajor, 'N', m, n, nrhs, a, n, b, nrhs))
		require.Equal(t, want[:n*nrhs], b[:n*nrhs], "id %d: not dgels's answer", id)
		require.Nil(t, sv.Memo(id), "id %d: memo kept", id)
		require.Equal(t, solver.CodeNoMemo, solver.Code(sv.IncreTrain(id, solver.RowMajor, 'N', m, n, nrhs, a, n, mixed(0, 0), nrhs)))
	}
	// Incremental: a memo with columns 1 and 2^-500, then rows whose first
	// column is near 2^900 (the target exponent drops by 500).
	sv := solver.New()
	require.NoError(t, sv.ColdTrain(1, solver.RowMajor, 'N', m, n, nrhs, a, n, mixed(0, -500), nrhs))
	before := sv.Memo(1)
	b := mixed(900, 0)
	for i := 0; i < m; i++ {
		b[i*nrhs+1] = 0
	}
	require.Equal(t, solver.CodeCold, solver.Code(sv.IncreTrain(1, solver.RowMajor, 'N', m, n, nrhs, a, n, b, nrhs)))
	requireSameMemo(t, before, sv.Memo(1))
	// A column of 2^-997 at exponent 0 throughout is kept.
	require.NoError(t, sv.ColdTrain(2, solver.RowMajor, 'N', m, n, nrhs, a, n, mixed(0, -997), nrhs))
	require.NoError(t, sv.IncreTrain(2, solver.RowMajor, 'N', m, n, nrhs, a, n, mixed(0, -997), nrhs))
}

// TestColdReplacesMemoShape: a cold call replaces an earlier memo of its ID
// whatever that memo's shape.
func TestColdReplacesMemoShape(t *testing.T) {
	sv := solver.New()
	seedMemo(t, sv, 1, 2, 1)
	seedMemo(t, sv, 1, 3, 1)
	require.Equal(t, 3, sv.Memo(1).N)
	seedMemo(t, sv, 1, 3, 2)
	require.Equal(t, 2, sv.Memo(1).NRHS)
	require.Equal(t, 3, sv.Memo(1).N)
}

// TestMergeIDZero: 0 is a valid model ID for each of memo_merge's three.
func TestMergeIDZero(t *testing.T) {
	for _, ids := range [][3]int64{{0, 1, 2}, {3, 0, 1}, {3, 1, 0}} {
		sv := solver.New()
		for _, id := range []int64{0, 1, 2} {
			seedMemo(t, sv, id, 2, 1)
		}
		require.NoError(t, sv.Merge(ids[0], ids[1], ids[2]), "%v", ids)
	}
}

// TestErrorIs: errors.Is matches a target's Op when the target names one.
func TestErrorIs(t *testing.T) {
	err := solver.New().IncreTrain(4, solver.RowMajor, 'N', 1, 1, 1, []float64{1}, 1, []float64{1}, 1)
	require.ErrorIs(t, err, solver.ErrNoMemo)
	require.ErrorIs(t, err, &solver.Error{Op: "incre_train", Code: solver.CodeNoMemo})
	require.False(t, errors.Is(err, &solver.Error{Op: "decre_train", Code: solver.CodeNoMemo}))
	require.False(t, errors.Is(err, &solver.Error{Op: "incre_train", Code: solver.CodeCold}))
}

// TestThreadsFromEnv: SIA_THREADS sets the CPU engine's workers (default 1,
// at most 256); what is not a positive integer counts as unset.
func TestThreadsFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"3", 3}, {"1", 1}, {"0", 1}, {"-2", 1}, {"x", 1}, {"", 1}, {"1000", 256}} {
		t.Setenv("SIA_THREADS", c.env)
		d, ok := solver.New().Engine().(*dispatch.Dispatcher)
		require.True(t, ok)
		require.Equal(t, c.want, d.Workers(), "SIA_THREADS=%q", c.env)
	}
}

// TestRCondZero: rcond = 0 is the rank-revealing mode (rcond ≥ 0), where a
// rank-deficient model is solved (minimum norm) and memoized rather than
// refused.
func TestRCondZero(t *testing.T) {
	sv := solver.New(solver.WithRCond(0))
	a := []float64{1, 0, 2, 0, 3, 0} // 3 × 2 row-major, column 1 zero
	b := []float64{1, 2, 3}
	_, err := sv.ColdTrainRank(1, solver.RowMajor, 'N', 3, 2, 1, a, 2, b, 1)
	require.NoError(t, err)
	require.NotNil(t, sv.Memo(1))
}

// TestBatchNegativeID: a batch job with a negative ID fails with its
// argument code, or SIA_ENOMEMO when its arguments are legal.
func TestBatchNegativeID(t *testing.T) {
	jobs := []solver.BatchJob{
		{ID: -1, Layout: solver.RowMajor, M: 1, N: 1, NRHS: 1, A: []float64{1}, LDA: 1, B: []float64{1}, LDB: 1},
		{ID: -1, Layout: solver.RowMajor, M: 1, N: 1, NRHS: 1, A: []float64{math.NaN()}, LDA: 1, B: []float64{1}, LDB: 1},
	}
	require.Equal(t, 2, solver.New().TrainBatch(jobs))
	require.Equal(t, solver.CodeNoMemo, solver.Code(jobs[0].Err))
	require.Equal(t, -6, solver.Code(jobs[1].Err))
}

// TestShiftedArgEdges: incre_train_shifted's extent and column limits at
// their exact boundaries are not "too big": the call goes on to the next
// check (a slice short, or no memo).
func TestShiftedArgEdges(t *testing.T) {
	R := solver.RowMajor
	const maxc, big = solver.MaxColumns, 1 << 20 // (big−1)·(big+1) + 1 = MaxElements
	sv := solver.New()
	buf := func(n int) []float64 { return make([]float64, n) }
	cases := []struct {
		name string
		call func() error
		want int
	}{
		{"a spans exactly MaxElements", func() error {
			return sv.IncreTrainShifted(9, R, 1, 1, 1, buf(1), 1, big, buf(8), big+1, buf(8), 1)
		}, -8},
		{"a_new spans exactly MaxElements", func() error {
			return sv.IncreTrainShifted(9, R, big, 1, 1, buf(8), big+1, big, buf(8), 1, buf(8), 1)
		}, -5},
		{"b spans exactly MaxElements", func() error {
			return sv.IncreTrainShifted(9, R, 1, 1, 1, buf(1), 1, big, buf(big), 1, buf(8), big+1)
		}, -10},
		{"n = MaxColumns", func() error {
			return sv.IncreTrainShifted(9, R, 1, maxc, 1, buf(maxc), maxc, 1, buf(maxc), maxc, buf(maxc), 1)
		}, solver.CodeNoMemo},
		{"nrhs = MaxColumns", func() error {
			return sv.IncreTrainShifted(9, R, 1, 1, maxc, buf(1), 1, 1, buf(1), 1, buf(maxc), maxc)
		}, solver.CodeNoMemo},
	}
	for _, c := range cases {
		err := c.call()
		require.Equal(t, c.want, solver.Code(err), "%s: %v", c.name, err)
	}
}

// TestDenseSolution: the gonum entry points return all n × nrhs entries of
// the solution ColdTrain and IncreTrain write into b.
func TestDenseSolution(t *testing.T) {
	rnd := rand.New(rand.NewPCG(31, 32))
	const m, n, nrhs = 8, 3, 2
	a, b := randn(rnd, m*n), randn(rnd, m*nrhs)
	want := append([]float64(nil), b...)
	require.NoError(t, solver.New().ColdTrain(-1, solver.RowMajor, 'N', m, n, nrhs, a, n, want, nrhs))
	x, err := solver.New().ColdTrainDense(1, mat.NewDense(m, n, a), mat.NewDense(m, nrhs, b))
	require.NoError(t, err)
	require.Equal(t, want[:n*nrhs], x.RawMatrix().Data)
}

// TestBatchCountsLookups: sia_train_batch counts each job's memo lookup in
// the store's hits and misses.
func TestBatchCountsLookups(t *testing.T) {
	sv := solver.New()
	seedMemo(t, sv, 1, 2, 1)
	seedMemo(t, sv, 2, 2, 1)
	st0 := sv.MemoStats()
	job := func(id int64) solver.BatchJob {
		return solver.BatchJob{ID: id, Layout: solver.RowMajor, M: 1, N: 2, NRHS: 1, A: []float64{1, 2}, LDA: 2, B: []float64{3, 0}, LDB: 1}
	}
	jobs := []solver.BatchJob{job(1), job(2), job(3)}
	require.Equal(t, 1, sv.TrainBatch(jobs))
	st := sv.MemoStats()
	require.Equal(t, int64(2), st.Hits-st0.Hits, "hits")
	require.Equal(t, int64(1), st.Misses-st0.Misses, "misses")
}

// TestStrerrorSuccess: code 0 is "success", not an argument code.
func TestStrerrorSuccess(t *testing.T) {
	require.Equal(t, "success", solver.Strerror(0))
	require.Equal(t, "success", solver.StrerrorOp("incre_train", 0))
}
