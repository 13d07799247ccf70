package solver_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/solver"
)

// problem returns A (m × n, cond kappa) and B = A·X + 1e-9 noise (m × nrhs):
// nearly consistent, so the solution's sensitivity is κ·ε and the 1e-10
// agreement required for κ ≤ 1e6 is a property of the algorithms.
func problem(rnd *rand.Rand, m, n, nrhs int, kappa float64) enginetest.Problem {
	return enginetest.NewProblem(rnd, m, n, nrhs, kappa, 1e-9)
}

// TestColdMatchesGonum compares ColdTrain with gonum's Dgels on copies for
// every dgels case: both trans values, m ≥ n and m < n, both layouts,
// padded leading dimensions with poisoned padding, nrhs 1 and 3.
func TestColdMatchesGonum(t *testing.T) {
	rnd := rand.New(rand.NewPCG(10, 1))
	type tc struct {
		m, n, nrhs int
		trans      byte
		layout     solver.Layout
		pad        int
		kappa      float64
	}
	var cases []tc
	i := 0
	for _, n := range []int{2, 17, 33, 97} {
		for _, m := range []int{n, n + 5, 10 * n, 2000, 100000} {
			if m == 100000 && n > 33 {
				continue
			}
			for _, kappa := range []float64{1, 1e3, 1e6} {
				i++
				layout := []solver.Layout{solver.RowMajor, solver.ColMajor}[i%2]
				cases = append(cases, tc{m, n, 1 + 2*(i/2%2), 'N', layout, 2 * (i % 3), kappa})
			}
		}
		// The cases gonum solves for us: trans 'T' and m < n.
		cases = append(cases,
			tc{3 * n, n, 3, 'T', solver.RowMajor, 1, 1e3},
			tc{3 * n, n, 1, 't', solver.ColMajor, 2, 1e3},
			tc{n, 3 * n, 3, 'N', solver.ColMajor, 0, 1},
			tc{n, 3 * n, 1, 'T', solver.RowMajor, 3, 1},
		)
	}
	for _, c := range cases {
		name := fmt.Sprintf("m=%d,n=%d,nrhs=%d,trans=%c,layout=%d,pad=%d,kappa=%g", c.m, c.n, c.nrhs, c.trans, c.layout, c.pad, c.kappa)
		t.Run(name, func(t *testing.T) {
			tall := max(c.m, c.n)
			var a []float64
			if c.m >= c.n {
				a = enginetest.Conditioned(rnd, c.m, c.n, c.kappa)
			} else {
				// A wide matrix: the transpose of a conditioned tall one.
				at := enginetest.Conditioned(rnd, c.n, c.m, c.kappa)
				a = make([]float64, c.m*c.n)
				for i := 0; i < c.m; i++ {
					for j := 0; j < c.n; j++ {
						a[i*c.n+j] = at[j*c.m+i]
					}
				}
			}
			rows := c.m // rows of the right-hand side
			if c.trans == 'T' || c.trans == 't' {
				rows = c.n
			}
			bIn := randn(rnd, rows*c.nrhs)
			if c.trans == 'N' && c.m > c.n {
				// Nearly consistent targets: the solution's sensitivity is
				// then κ·ε, and 1e-10 agreement at κ ≤ 1e6 is a property of
				// the algorithms (random targets would add κ²·ε·η).
				bIn = nearlyConsistent(rnd, c.m, c.n, c.nrhs, a)
			}
			want, ok := enginetest.Gels(c.trans, c.m, c.n, c.nrhs, a, padRows(bIn, tall, c.nrhs))
			require.True(t, ok)
			s := store(c.layout, c.m, c.n, c.nrhs, a, bIn, tall, c.pad)
			for i := rows; i < tall; i++ { // rows dgels writes but does not read
				for r := 0; r < c.nrhs; r++ {
					s.b[s.at(i, r, s.ldb)] = 12345
				}
			}
			sv := solver.New()
			require.NoError(t, s.cold(sv, 5, c.trans))
			s.requirePadding(t)
			got := s.bRow(tall)
			nx := c.n
			if c.trans == 'T' || c.trans == 't' {
				nx = c.m
			}
			for r := 0; r < c.nrhs; r++ {
				x := colOf(got[:nx*c.nrhs], c.nrhs, r)
				xr := colOf(want[:nx*c.nrhs], c.nrhs, r)
				require.LessOrEqual(t, enginetest.RelDiff(x, xr), agreeTol(c.kappa), "solution column %d", r)
				if (c.trans == 'N') && c.m > c.n {
					// The residual rows carry the residual sum of squares.
					tail := sumsq(colOf(got[c.n*c.nrhs:], c.nrhs, r))
					ref := sumsq(colOf(want[c.n*c.nrhs:], c.nrhs, r))
					require.InDelta(t, ref, tail, 1e-10*sumsq(colOf(bIn, c.nrhs, r)), "residual column %d", r)
				}
			}
			memoed := sv.Memo(5)
			if (c.trans == 'N') && c.m >= c.n {
				require.NotNil(t, memoed)
				require.Equal(t, int64(c.m), memoed.Rows)
				require.LessOrEqual(t, enginetest.RowSignDiff(c.n, unpackR(memoed), c.n, enginetest.QRR(c.m, c.n, a), c.n), 1e-12*c.kappa)
			} else {
				require.Nil(t, memoed, "only trans 'N', m ≥ n is memoized")
			}
		})
	}
}

// agreeTol is how closely two backward-stable least-squares solvers must
// agree on a nearly consistent problem of condition kappa: 1e-10, or 2·κ·ε
// where that is larger (κ·ε is the perturbation bound itself, 1.1e-10 at
// κ = 1e6, so no pair of algorithms can be held to less).
func agreeTol(kappa float64) float64 { return max(1e-10, 2*kappa*0x1p-53) }

// nearlyConsistent returns B = A·X + 1e-9·noise for random X.
func nearlyConsistent(rnd *rand.Rand, m, n, nrhs int, a []float64) []float64 {
	x := randn(rnd, n*nrhs)
	b := make([]float64, m*nrhs)
	for i := 0; i < m; i++ {
		for r := 0; r < nrhs; r++ {
			s := 1e-9 * rnd.NormFloat64()
			for j := 0; j < n; j++ {
				s += a[i*n+j] * x[j*nrhs+r]
			}
			b[i*nrhs+r] = s
		}
	}
	return b
}

// padRows copies b (rows × nrhs) into a tall × nrhs slice.
func padRows(b []float64, tall, nrhs int) []float64 {
	out := make([]float64, tall*nrhs)
	copy(out, b)
	return out
}

func colOf(x []float64, ncols, c int) []float64 {
	out := make([]float64, len(x)/ncols)
	for i := range out {
		out[i] = x[i*ncols+c]
	}
	return out
}

func sumsq(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s
}

// TestIncreMatchesCold absorbs rows in 1, 10 and 100 rounds of random batch
// sizes (single rows and batches smaller than n included) and compares each
// round's solution, and the final R, with a cold fit of all rows so far.
func TestIncreMatchesCold(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 1))
	for _, n := range []int{2, 17, 33, 97} {
		for _, rounds := range []int{1, 10, 100} {
			for _, layout := range []solver.Layout{solver.RowMajor, solver.ColMajor} {
				name := fmt.Sprintf("n=%d,rounds=%d,layout=%d", n, rounds, layout)
				t.Run(name, func(t *testing.T) {
					sizes := make([]int, rounds)
					total := n + 3
					for i := range sizes {
						sizes[i] = []int{1, max(1, n/2), 1 + rnd.IntN(200)}[i%3]
						total += sizes[i]
					}
					p := problem(rnd, total, n, 1+2*(rounds%2), 1e4)
					checkChain(t, p, n+3, sizes, layout, 1e-10)
				})
			}
		}
	}
}

// TestIncreStringKeys runs the chain check on string-key rows (16 and 64
// bytes, random, long shared prefixes, text-like; bytes 0..255 plus a bias
// column, positions as targets), inserted in random order.
func TestIncreStringKeys(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 1))
	for _, kind := range []enginetest.KeyKind{enginetest.RandomKeys, enginetest.SharedPrefix, enginetest.TextLike} {
		for _, keyLen := range []int{16, 64} {
			t.Run(fmt.Sprintf("kind=%d,len=%d", kind, keyLen), func(t *testing.T) {
				m0, rounds, step := 5*keyLen, 20, 50
				a, b := enginetest.Keys(rnd, kind, m0+rounds*step, keyLen)
				n := keyLen + 1
				perm := rnd.Perm(len(b))
				p := enginetest.Problem{M: len(b), N: n, NRHS: 1, A: make([]float64, len(a)), B: make([]float64, len(b))}
				for i, q := range perm {
					copy(p.A[i*n:(i+1)*n], a[q*n:(q+1)*n])
					p.B[i] = b[q]
				}
				sizes := make([]int, rounds)
				for i := range sizes {
					sizes[i] = step
				}
				checkChain(t, p, m0, sizes, solver.RowMajor, 1e-9)
			})
		}
	}
}

// checkChain cold-trains p's first m0 rows, then absorbs sizes[i] rows per
// round, comparing after every round with a cold fit of the rows so far:
// solutions to tol (relative), R up to row signs, rows and RSS.
func checkChain(t *testing.T, p enginetest.Problem, m0 int, sizes []int, layout solver.Layout, tol float64) {
	t.Helper()
	n, nrhs := p.N, p.NRHS
	inc, ref := solver.New(), solver.New()
	sub := func(lo, hi int) (a, b []float64) { return p.A[lo*n : hi*n], p.B[lo*nrhs : hi*nrhs] }
	a0, b0 := sub(0, m0)
	s := store(layout, m0, n, nrhs, a0, b0, m0, 1)
	require.NoError(t, s.cold(inc, 1, 'N'))
	done := m0
	for round, k := range sizes {
		an, bn := sub(done, done+k)
		s := store(layout, k, n, nrhs, an, bn, max(k, n), 2)
		aCopy := append([]float64(nil), s.a...)
		require.NoError(t, s.incre(inc, 1), "round %d", round)
		require.Equal(t, fmt.Sprint(aCopy), fmt.Sprint(s.a), "incre_train must not modify a")
		s.requirePadding(t)
		done += k
		aAll, bAll := sub(0, done)
		c := store(solver.RowMajor, done, n, nrhs, aAll, bAll, done, 0)
		require.NoError(t, c.cold(ref, 1, 'N'))
		x, xr := s.bRow(n), c.bRow(n)
		for r := 0; r < nrhs; r++ {
			require.LessOrEqual(t, enginetest.RelDiff(colOf(x, nrhs, r), colOf(xr, nrhs, r)), tol, "round %d column %d", round, r)
		}
	}
	mi, mr := inc.Memo(1), ref.Memo(1)
	require.Equal(t, int64(done), mi.Rows)
	require.Equal(t, mr.Rows, mi.Rows)
	require.LessOrEqual(t, enginetest.RowSignDiff(n, unpackR(mi), n, unpackR(mr), n), tol, "R up to row signs")
	for r := 0; r < nrhs; r++ {
		require.InDelta(t, mr.RSS[r], mi.RSS[r], tol*sumsq(colOf(p.B, nrhs, r)), "rss %d", r)
	}
}

// TestMemoIsACopy changes the caller's buffers after each call and checks
// the memo did not move with them.
func TestMemoIsACopy(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 1))
	sv := solver.New()
	p := problem(rnd, 60, 5, 2, 10)
	s := store(solver.RowMajor, 50, 5, 2, p.A[:250], p.B[:100], 50, 0)
	require.NoError(t, s.cold(sv, 3, 'N'))
	before := sv.Memo(3)
	for i := range s.a {
		s.a[i], s.b[i%len(s.b)] = 1e300, -1e300
	}
	requireSameMemo(t, before, sv.Memo(3))
	k := store(solver.ColMajor, 10, 5, 2, p.A[250:], p.B[100:], 10, 0)
	require.NoError(t, k.incre(sv, 3))
	after := sv.Memo(3)
	for i := range k.a {
		k.a[i] = 7
	}
	for i := range k.b {
		k.b[i] = 7
	}
	requireSameMemo(t, after, sv.Memo(3))
	got := sv.Memo(3)
	got.R[0] = 42 // Memo returns a copy too.
	requireSameMemo(t, after, sv.Memo(3))
}

// TestRankDeficient: an exactly zero column gives R(j,j) = 0 exactly and
// code j+1, as dgels; the earlier memo survives. With nrhs = 0 dgels
// returns 0 without factoring, and so do we (memoizing the exact R).
func TestRankDeficient(t *testing.T) {
	rnd := rand.New(rand.NewPCG(14, 1))
	sv := solver.New()
	seedMemo(t, sv, 4, 6, 1)
	before := sv.Memo(4)
	a := randn(rnd, 40*6)
	for i := 0; i < 40; i++ {
		a[i*6+2] = 0
	}
	s := store(solver.RowMajor, 40, 6, 1, a, randn(rnd, 40), 40, 0)
	require.Equal(t, 3, solver.Code(s.cold(sv, 4, 'N')))
	requireSameMemo(t, before, sv.Memo(4))
	s = store(solver.ColMajor, 40, 6, 1, a, randn(rnd, 40), 40, 0)
	require.Equal(t, 3, solver.Code(s.cold(sv, -1, 'T')))
	s = store(solver.RowMajor, 40, 6, 0, a, nil, 40, 0)
	require.NoError(t, s.cold(sv, 4, 'N'))
	require.Equal(t, 0.0, sv.Memo(4).R[2*6-1])
}

// TestQuickReturn: m = 0 or n = 0 zeroes b as dgels does and never touches
// the memo.
func TestQuickReturn(t *testing.T) {
	sv := solver.New()
	seedMemo(t, sv, 9, 3, 1)
	before := sv.Memo(9)
	b := []float64{1, 2, 3, 4}
	require.NoError(t, sv.ColdTrain(9, solver.RowMajor, 'N', 4, 0, 1, nil, 1, b, 1))
	require.Equal(t, []float64{0, 0, 0, 0}, b)
	b = []float64{1, 2, 3}
	require.NoError(t, sv.ColdTrain(9, solver.ColMajor, 'T', 0, 3, 1, nil, 1, b, 3))
	require.Equal(t, []float64{0, 0, 0}, b)
	requireSameMemo(t, before, sv.Memo(9))
}

// TestDense exercises the gonum mat entry points against ColdTrain.
func TestDense(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 1))
	p := problem(rnd, 300, 9, 2, 100)
	sv := solver.New()
	a0 := mat.NewDense(200, 9, append([]float64(nil), p.A[:200*9]...))
	b0 := mat.NewDense(200, 2, append([]float64(nil), p.B[:400]...))
	_, err := sv.ColdTrainDense(1, a0, b0)
	require.NoError(t, err)
	x, err := sv.IncreTrainDense(1, mat.NewDense(100, 9, p.A[200*9:]), mat.NewDense(100, 2, p.B[400:]))
	require.NoError(t, err)
	want, err := solver.New().ColdTrainDense(-1, mat.NewDense(300, 9, p.A), mat.NewDense(300, 2, p.B))
	require.NoError(t, err)
	require.True(t, mat.EqualApprox(x, want, 1e-10))
	_, err = sv.IncreTrainDense(2, mat.NewDense(1, 9, p.A[:9]), mat.NewDense(1, 2, p.B[:2]))
	require.ErrorIs(t, err, solver.ErrNoMemo)
	_, err = sv.ColdTrainDense(1, a0, mat.NewDense(3, 2, nil))
	require.Equal(t, -8, solver.Code(err))
}

// TestConcurrent runs many goroutines on disjoint and shared model IDs
// (under -race in CI). Disjoint models must end exactly as a serial replay;
// on shared IDs every call must succeed and the rows absorbed must add up.
func TestConcurrent(t *testing.T) {
	const goroutines, perG, n = 8, 40, 5
	sv := solver.New(solver.WithEngine(&cpu.Engine{Workers: 2}))
	rnd := rand.New(rand.NewPCG(16, 1))
	p := problem(rnd, 20+goroutines*perG*3, n, 1, 10)
	// Shared ID 0 is cold-trained once, then everyone appends to it.
	s0 := store(solver.RowMajor, 20, n, 1, p.A[:20*n], p.B[:20], 20, 0)
	require.NoError(t, s0.cold(sv, 0, 'N'))
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			id := int64(g + 1)
			off := 20 + g*perG*3
			c := store(solver.RowMajor, 10, n, 1, p.A[off*n:(off+10)*n], p.B[off:off+10], 10, 0)
			if err := c.cold(sv, id, 'N'); err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < perG; i++ {
				row := off + 10 + i
				for _, target := range []int64{id, 0} {
					k := store(solver.RowMajor, 1, n, 1, p.A[row*n:(row+1)*n], p.B[row:row+1], n, 0)
					if err := k.incre(sv, target); err != nil {
						t.Error(err)
						return
					}
				}
				if i%10 == 0 {
					sv.Count()
					_ = sv.Memo(0)
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, goroutines+1, sv.Count())
	require.Equal(t, int64(20+goroutines*perG), sv.Memo(0).Rows)
	for g := range goroutines {
		id := int64(g + 1)
		off := 20 + g*perG*3
		serial := solver.New()
		c := store(solver.RowMajor, 10, n, 1, p.A[off*n:(off+10)*n], p.B[off:off+10], 10, 0)
		require.NoError(t, c.cold(serial, id, 'N'))
		for i := 0; i < perG; i++ {
			row := off + 10 + i
			k := store(solver.RowMajor, 1, n, 1, p.A[row*n:(row+1)*n], p.B[row:row+1], n, 0)
			require.NoError(t, k.incre(serial, id))
		}
		requireSameMemo(t, serial.Memo(id), sv.Memo(id))
	}
	require.True(t, sv.Drop(3))
	require.False(t, sv.Drop(3))
	sv.Clear()
	require.Equal(t, 0, sv.Count())
}
