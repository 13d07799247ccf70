package solver_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/solver"
)

// call is one dgels-shaped call with possibly illegal arguments. Its
// buffers are large enough for any legal reading of the dims.
type call struct {
	name       string
	layout     solver.Layout
	trans      byte
	m, n, nrhs int
	lda, ldb   int
	nanA, nanB bool
	infA       bool
	short      byte // 'a' or 'b': pass a slice one element short
}

func (c call) buffers() (a, b []float64) {
	a = make([]float64, 400)
	b = make([]float64, 400)
	rnd := rand.New(rand.NewPCG(3, 3))
	for i := range a {
		a[i] = rnd.NormFloat64()
		b[i] = rnd.NormFloat64()
	}
	if c.nanA {
		a[0] = math.NaN()
	}
	if c.infA {
		a[0] = math.Inf(-1)
	}
	if c.nanB {
		b[0] = math.NaN()
	}
	if c.short == 'a' {
		a = a[:solver.Extent(c.layout, c.m, c.n, c.lda)-1]
	}
	if c.short == 'b' {
		b = b[:solver.Extent(c.layout, max(c.m, c.n), c.nrhs, c.ldb)-1]
	}
	return a, b
}

// TestColdArgs checks every LAPACKE_dgels argument code, in LAPACKE's
// order of checks, for both layouts. ctest/ checks the same table against
// the real LAPACKE_dgels.
func TestColdArgs(t *testing.T) {
	R, C := solver.RowMajor, solver.ColMajor
	cases := []struct {
		call
		want int
	}{
		{call{name: "bad layout", layout: 0, trans: 'N', m: 4, n: 2, nrhs: 1, lda: 4, ldb: 4}, -1},
		{call{name: "bad trans", layout: C, trans: 'X', m: 4, n: 2, nrhs: 1, lda: 4, ldb: 4}, -2},
		{call{name: "bad trans row", layout: R, trans: 'C', m: 4, n: 2, nrhs: 1, lda: 2, ldb: 1}, -2},
		{call{name: "m<0", layout: C, trans: 'N', m: -1, n: 2, nrhs: 1, lda: 4, ldb: 4}, -3},
		{call{name: "n<0", layout: C, trans: 'N', m: 4, n: -1, nrhs: 1, lda: 4, ldb: 4}, -4},
		{call{name: "nrhs<0", layout: C, trans: 'N', m: 4, n: 2, nrhs: -1, lda: 4, ldb: 4}, -5},
		{call{name: "lda<m col", layout: C, trans: 'N', m: 4, n: 2, nrhs: 1, lda: 3, ldb: 4}, -7},
		{call{name: "lda<n row", layout: R, trans: 'N', m: 4, n: 3, nrhs: 1, lda: 2, ldb: 1}, -7},
		{call{name: "ldb<max(m,n) col", layout: C, trans: 'N', m: 2, n: 4, nrhs: 1, lda: 2, ldb: 3}, -9},
		{call{name: "ldb<nrhs row", layout: R, trans: 'N', m: 4, n: 2, nrhs: 2, lda: 2, ldb: 1}, -9},
		{call{name: "row lda checked before trans", layout: R, trans: 'X', m: 4, n: 3, nrhs: 1, lda: 2, ldb: 1}, -7},
		{call{name: "row lda checked before m", layout: R, trans: 'N', m: -4, n: 3, nrhs: 1, lda: 2, ldb: 1}, -7},
		{call{name: "col trans checked before lda", layout: C, trans: 'X', m: 4, n: 3, nrhs: 1, lda: 1, ldb: 4}, -2},
		{call{name: "NaN in a", layout: C, trans: 'N', m: 4, n: 2, nrhs: 1, lda: 4, ldb: 4, nanA: true}, -6},
		{call{name: "Inf in a", layout: R, trans: 'N', m: 4, n: 2, nrhs: 1, lda: 2, ldb: 1, infA: true}, -6},
		{call{name: "NaN in b", layout: R, trans: 'N', m: 4, n: 2, nrhs: 1, lda: 2, ldb: 1, nanB: true}, -8},
		{call{name: "NaN checked before layout-free args", layout: C, trans: 'X', m: 4, n: 2, nrhs: 1, lda: 4, ldb: 4, nanA: true}, -6},
		{call{name: "short a", layout: C, trans: 'N', m: 4, n: 2, nrhs: 1, lda: 4, ldb: 4, short: 'a'}, -6},
		{call{name: "short b", layout: R, trans: 'T', m: 4, n: 2, nrhs: 1, lda: 2, ldb: 1, short: 'b'}, -8},
		{call{name: "huge extent", layout: C, trans: 'N', m: 1 << 30, n: 1 << 30, nrhs: 1, lda: 1 << 30, ldb: 1 << 30}, solver.CodeTooBig},
		{call{name: "ok lower-case trans", layout: C, trans: 't', m: 4, n: 2, nrhs: 1, lda: 4, ldb: 4}, 0},
		{call{name: "ok m<n", layout: R, trans: 'n', m: 2, n: 4, nrhs: 2, lda: 4, ldb: 2}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sv := solver.New()
			a, b := c.buffers()
			// A previous memo must survive a failing call untouched.
			seedMemo(t, sv, 7, 3, 1)
			before := sv.Memo(7)
			err := sv.ColdTrain(7, c.layout, c.trans, c.m, c.n, c.nrhs, a, c.lda, b, c.ldb)
			require.Equal(t, c.want, solver.Code(err), "%v", err)
			if c.want != 0 {
				requireSameMemo(t, before, sv.Memo(7))
			}
		})
	}
}

// TestColdNoMemoLimit: the 4 096-column limit applies only to calls that
// keep a memo; with a negative model ID cold_train accepts every call
// LAPACKE_dgels accepts (ctest/test_gels.c checks the same against
// LAPACKE, n = 5 000 included).
func TestColdNoMemoLimit(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	const m, n, nrhs = 10, 3, solver.MaxColumns + 904 // 5 000 target columns
	a := randn(rnd, m*n)
	b := randn(rnd, m*nrhs)
	want, ok := enginetest.Gels('N', m, n, nrhs, a, b)
	require.True(t, ok)
	s := store(solver.RowMajor, m, n, nrhs, a, b, m, 0)
	require.NoError(t, s.cold(solver.New(), -1, 'N'))
	require.LessOrEqual(t, enginetest.RelDiff(s.bRow(n), want[:n*nrhs]), 1e-12)
	// A memoized call over the limit is refused before anything is read,
	// leaving an earlier memo of its ID as it was.
	sv := solver.New()
	seedMemo(t, sv, 7, 3, 1)
	before := sv.Memo(7)
	for _, c := range []struct{ m, n, nrhs int }{{m, n, nrhs}, {solver.MaxColumns + 1, solver.MaxColumns + 1, 1}} {
		err := sv.ColdTrain(7, solver.ColMajor, 'N', c.m, c.n, c.nrhs, nil, c.m, nil, c.m)
		require.Equal(t, solver.CodeTooBig, solver.Code(err), "%+v", c)
		requireSameMemo(t, before, sv.Memo(7))
	}
}

// seedMemo gives id a memo of shape (n, nrhs) from a random cold fit.
func seedMemo(t *testing.T, sv *solver.Solver, id int64, n, nrhs int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(uint64(n), uint64(nrhs)))
	m := 2*n + 3
	s := store(solver.RowMajor, m, n, nrhs, randn(rnd, m*n), randn(rnd, m*nrhs), m, 0)
	require.NoError(t, s.cold(sv, id, 'N'))
}

// TestIncreArgs checks incre_train's codes and that every failure leaves
// the memo bit-for-bit unchanged and b unwritten.
func TestIncreArgs(t *testing.T) {
	R, C := solver.RowMajor, solver.ColMajor
	cases := []struct {
		call
		id   int64
		want int
	}{
		{call{name: "bad layout", layout: 7, trans: 'N', m: 3, n: 3, nrhs: 1, lda: 3, ldb: 3}, 1, -1},
		{call{name: "trans T", layout: C, trans: 'T', m: 3, n: 3, nrhs: 1, lda: 3, ldb: 3}, 1, -2},
		{call{name: "m=0", layout: C, trans: 'N', m: 0, n: 3, nrhs: 1, lda: 1, ldb: 3}, 1, -3},
		{call{name: "n=0", layout: R, trans: 'N', m: 2, n: 0, nrhs: 1, lda: 1, ldb: 1}, 1, -4},
		{call{name: "n differs from memo", layout: R, trans: 'N', m: 2, n: 4, nrhs: 1, lda: 4, ldb: 1}, 1, -4},
		{call{name: "nrhs differs from memo", layout: R, trans: 'N', m: 2, n: 3, nrhs: 2, lda: 3, ldb: 2}, 1, -5},
		{call{name: "ldb<max(m,n) col", layout: C, trans: 'N', m: 2, n: 3, nrhs: 1, lda: 2, ldb: 2}, 1, -9},
		{call{name: "NaN in new rows", layout: R, trans: 'N', m: 2, n: 3, nrhs: 1, lda: 3, ldb: 1, nanA: true}, 1, -6},
		{call{name: "NaN in targets", layout: C, trans: 'N', m: 2, n: 3, nrhs: 1, lda: 2, ldb: 3, nanB: true}, 1, -8},
		{call{name: "no memo", layout: R, trans: 'N', m: 2, n: 3, nrhs: 1, lda: 3, ldb: 1}, 99, solver.CodeNoMemo},
		{call{name: "negative id", layout: R, trans: 'N', m: 2, n: 3, nrhs: 1, lda: 3, ldb: 1}, -1, solver.CodeNoMemo},
		{call{name: "ok one row", layout: R, trans: 'N', m: 1, n: 3, nrhs: 1, lda: 3, ldb: 1}, 1, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s,id=%d", c.name, c.id), func(t *testing.T) {
			sv := solver.New()
			seedMemo(t, sv, 1, 3, 1)
			before := sv.Memo(1)
			a, b := c.buffers()
			b0 := append([]float64(nil), b...)
			err := sv.IncreTrain(c.id, c.layout, c.trans, c.m, c.n, c.nrhs, a, c.lda, b, c.ldb)
			require.Equal(t, c.want, solver.Code(err), "%v", err)
			if c.want != 0 {
				requireSameMemo(t, before, sv.Memo(1))
				require.Equal(t, fmt.Sprint(b0), fmt.Sprint(b), "b must not be written on failure")
				require.ErrorIs(t, err, &solver.Error{Code: c.want})
			} else {
				require.Equal(t, before.Rows+1, sv.Memo(1).Rows)
			}
		})
	}
}

func TestStrerror(t *testing.T) {
	for _, code := range []int{0, -1, -2, -6, -9, -10, 3, solver.CodeNoMemo, solver.CodeInternal, solver.CodeTooBig, -5000} {
		require.NotEmpty(t, solver.Strerror(code))
	}
	// Strerror (sia_strerror) knows only the code: it names the argument
	// of every call that numbers it so; an *Error names its own call's.
	for _, tc := range []struct {
		code int
		want []string
	}{
		{-5, []string{"nrhs of cold_train", "a_new or NaN/Inf in it of incre_train_shifted"}},
		{-7, []string{"lda of cold_train", "m of incre_train_shifted"}},
		{-8, []string{"b or NaN/Inf in it of cold_train", "a or NaN/Inf in it of incre_train_shifted"}},
		{-10, []string{"b or NaN/Inf in it of incre_train_shifted"}},
		{-11, []string{"ldb of incre_train_shifted"}},
		{-3, []string{"m of cold_train", "n of incre_train_shifted", "b of sia_memo_merge"}},
	} {
		for _, w := range tc.want {
			require.Contains(t, solver.Strerror(tc.code), w, "code %d", tc.code)
		}
	}
	require.Equal(t, "illegal argument", solver.Strerror(-12))
	for _, tc := range []struct {
		op   string
		code int
		want string
	}{
		{"cold_train", -7, "sia: cold_train: illegal lda (argument 7) (-7)"},
		{"incre_train", -8, "sia: incre_train: illegal or non-finite b (argument 8) (-8)"},
		{"incre_train_shifted", -7, "sia: incre_train_shifted: illegal m (argument 7) (-7)"},
		{"incre_train_shifted", -5, "sia: incre_train_shifted: illegal or non-finite a_new (argument 5) (-5)"},
		{"incre_train_shifted", -10, "sia: incre_train_shifted: illegal or non-finite b (argument 10) (-10)"},
		{"memo_merge", -3, "sia: memo_merge: illegal b (argument 3) (-3)"},
		{"memo_merge", -1, "sia: memo_merge: illegal dst (argument 1) (-1)"},
		{"incre_train_shifted", solver.CodeCold, "sia: incre_train_shifted: " + solver.Strerror(solver.CodeCold) + " (-1004)"},
	} {
		require.Equal(t, tc.want, (&solver.Error{Op: tc.op, Code: tc.code}).Error())
	}
	require.Contains(t, solver.Strerror(solver.CodeNoMemo), "no memo")
	err := error(&solver.Error{Op: "incre_train", Code: solver.CodeNoMemo})
	require.ErrorIs(t, err, solver.ErrNoMemo)
	require.Equal(t, solver.CodeNoMemo, solver.Code(fmt.Errorf("wrapped: %w", err)))
	require.Equal(t, 0, solver.Code(nil))
}
