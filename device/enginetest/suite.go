package enginetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
)

// eps is the unit roundoff of float64.
const eps = 0x1p-53

// Problem is one generated least-squares problem, row-major.
type Problem struct {
	M, N, NRHS int
	A, B       []float64 // m × n and m × nrhs, row-major
	Kappa      float64   // condition number of A (1 for key data: unknown)
}

// NewProblem returns A with condition number kappa and B = A·Xtrue + a
// residual of relative size noise.
func NewProblem(rnd *rand.Rand, m, n, nrhs int, kappa, noise float64) Problem {
	a := Conditioned(rnd, m, n, kappa)
	b := make([]float64, m*nrhs)
	for r := 0; r < nrhs; r++ {
		x := gaussian(rnd, n, 1)
		for i := 0; i < m; i++ {
			var s float64
			for j := 0; j < n; j++ {
				s += a[i*n+j] * x[j]
			}
			b[i*nrhs+r] = s + noise*rnd.NormFloat64()/math.Sqrt(float64(m))
		}
	}
	return Problem{M: m, N: n, NRHS: nrhs, A: a, B: b, Kappa: kappa}
}

// Rows returns rows lo..hi-1 of p stored in the requested layout with
// leading dimensions padded by pad; padding is NaN ("poisoned") so that a
// read of it is caught and a write to it is seen.
func (p Problem) Rows(lo, hi int, colMajor bool, pad int) device.Rows {
	k := hi - lo
	r := device.Rows{K: k, ColMajor: colMajor}
	if colMajor {
		r.LDA, r.LDB = k+pad, k+pad
		r.A = nanSlice(r.LDA * p.N)
		r.B = nanSlice(r.LDB * p.NRHS)
	} else {
		r.LDA, r.LDB = p.N+pad, p.NRHS+pad
		r.A = nanSlice(k * r.LDA)
		r.B = nanSlice(k * r.LDB)
	}
	for i := 0; i < k; i++ {
		for j := 0; j < p.N; j++ {
			r.A[idx(colMajor, i, j, r.LDA)] = p.A[(lo+i)*p.N+j]
		}
		for c := 0; c < p.NRHS; c++ {
			r.B[idx(colMajor, i, c, r.LDB)] = p.B[(lo+i)*p.NRHS+c]
		}
	}
	return r
}

func idx(colMajor bool, i, j, ld int) int {
	if colMajor {
		return i + j*ld
	}
	return i*ld + j
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// Reference is what gonum computes for a problem: R, X, RSS.
type Reference struct {
	R   []float64 // n × n row-major
	X   []float64 // n × nrhs row-major
	RSS []float64
	Eta []float64 // ‖r‖/(‖A‖_F·‖x‖) per column: how far b is from range(A)
	// OK is gonum's Dgels success flag: false when it found R(i,i) = 0, and
	// then X, RSS and Eta are meaningless.
	OK bool
}

// Solve computes the reference of p with gonum on copies. Check OK (or use
// MustSolve) before trusting X.
func (p Problem) Solve() Reference {
	m, n, nrhs := p.M, p.N, p.NRHS
	sol, ok := Gels('N', m, n, nrhs, p.A, p.B)
	ref := Reference{R: QRR(m, n, p.A), X: sol[:n*nrhs], RSS: make([]float64, nrhs), Eta: make([]float64, nrhs), OK: ok}
	anorm := math.Sqrt(sumsqAll(p.A))
	for c := 0; c < nrhs; c++ {
		var rr, xx float64
		for i := 0; i < m; i++ {
			var s float64
			for j := 0; j < n; j++ {
				s += p.A[i*n+j] * sol[j*nrhs+c]
			}
			d := p.B[i*nrhs+c] - s
			rr += d * d
		}
		for j := 0; j < n; j++ {
			xx += sol[j*nrhs+c] * sol[j*nrhs+c]
		}
		ref.RSS[c] = rr
		ref.Eta[c] = math.Sqrt(rr) / (anorm * math.Sqrt(xx))
	}
	return ref
}

// MustSolve is Solve that fails the test when the reference solver does
// not succeed (an exactly rank-deficient problem has no unique solution to
// compare an engine's with).
func (p Problem) MustSolve(t testing.TB) Reference {
	t.Helper()
	ref := p.Solve()
	require.True(t, ref.OK, "reference: gonum's Dgels found A (%d x %d) exactly rank-deficient", p.M, p.N)
	return ref
}

func sumsqAll(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s
}

// Tolerances derived from conditioning: the perturbation bounds of R and of
// the least-squares solution scaled by a constant per engine (tol, ≥ 1; the
// CPU engine passes 1).
//
//	‖ΔR‖/‖R‖ ≤ c·n·ε·κ
//	‖Δx‖/‖x‖ ≤ c·n·ε·(κ + κ²·η),  η = ‖r‖/(‖A‖‖x‖)
func tolR(tol float64, n int, kappa float64) float64 {
	return 16 * tol * float64(n) * eps * kappa
}

func tolX(tol float64, n int, kappa, eta float64) float64 {
	return 16 * tol * float64(n) * eps * (kappa + kappa*kappa*eta)
}

// ColdCase is one cold-factorization case of the suite.
type ColdCase struct {
	M, N, NRHS int
	Kappa      float64
	ColMajor   bool
	Pad        int
}

func (c ColdCase) String() string {
	return fmt.Sprintf("m=%d,n=%d,nrhs=%d,kappa=%g,colmajor=%t,pad=%d", c.M, c.N, c.NRHS, c.Kappa, c.ColMajor, c.Pad)
}

// ColdCases is the suite's table: n over the learned-index range and block
// edges, m from n to 1e5, both layouts, padded and minimal leading
// dimensions, nrhs 1 and 3, κ from 1 to 1e8.
func ColdCases() []ColdCase {
	var cs []ColdCase
	ns := []int{1, 2, 3, 17, 33, 64, 65, 97}
	ms := []func(n int) int{
		func(n int) int { return n },
		func(n int) int { return n + 1 },
		func(n int) int { return 3*n + 7 },
		func(n int) int { return 1000 },
	}
	kappas := []float64{1, 1e4, 1e8}
	i := 0
	for _, n := range ns {
		for _, mf := range ms {
			for _, kappa := range kappas {
				i++
				cs = append(cs, ColdCase{M: max(mf(n), n), N: n, NRHS: 1 + 2*(i%2), Kappa: kappa, ColMajor: i%3 == 0, Pad: 3 * (i % 2)})
			}
		}
	}
	cs = append(cs,
		ColdCase{M: 100000, N: 17, NRHS: 1, Kappa: 1e3},
		ColdCase{M: 20000, N: 97, NRHS: 3, Kappa: 1e6, ColMajor: true, Pad: 1},
	)
	return cs
}

// ColdTest checks Fresh jobs (factor from scratch, solve, and on every other
// case write dgels's residual rows) against gonum on every case of
// ColdCases, running all cases as one batch.
func ColdTest(t *testing.T, e device.Engine, tol float64) {
	rnd := rand.New(rand.NewPCG(1, 1))
	cases := ColdCases()
	type item struct {
		c   ColdCase
		p   Problem
		job *device.Job
		a0  []float64
		ref Reference
	}
	items := make([]item, len(cases))
	jobs := make([]*device.Job, len(cases))
	for i, c := range cases {
		p := NewProblem(rnd, c.M, c.N, c.NRHS, c.Kappa, 1e-3)
		rows := p.Rows(0, c.M, c.ColMajor, c.Pad)
		// Every other case asks for dgels's residual rows (Tail); the
		// others are plain factorizations, which engines other than the
		// CPU one may run on their device.
		j := &device.Job{N: c.N, NRHS: c.NRHS, T: junk(rnd, c.N*(c.N+c.NRHS)), Fresh: true, Tail: i%2 == 0,
			New: rows, RSS: make([]float64, c.NRHS), Solve: true, X: junk(rnd, c.N*c.NRHS)}
		items[i] = item{c: c, p: p, job: j, a0: append([]float64(nil), rows.A...), ref: p.MustSolve(t)}
		jobs[i] = j
	}
	e.Run(jobs)
	for _, it := range items {
		t.Run(it.c.String(), func(t *testing.T) {
			c, j, ref := it.c, it.job, it.ref
			require.Zero(t, j.Info)
			requireSameBits(t, it.a0, j.New.A, "A must not be modified")
			nc := c.N + c.NRHS
			dR := RowSignDiff(c.N, j.T, nc, ref.R, c.N)
			require.LessOrEqual(t, dR, tolR(tol, c.N, c.Kappa), "R up to row signs")
			for r := 0; r < c.NRHS; r++ {
				x := column(j.X, c.N, c.NRHS, r)
				xr := column(ref.X, c.N, c.NRHS, r)
				require.LessOrEqual(t, RelDiff(x, xr), tolX(tol, c.N, c.Kappa, ref.Eta[r]), "x column %d", r)
				bnorm := sumsqAll(column(it.p.B, c.M, c.NRHS, r))
				require.InDelta(t, ref.RSS[r], j.RSS[r], 1e-12*tol*bnorm+1e-300, "rss column %d", r)
				if !j.Tail {
					continue
				}
				// The tail written into rows n..m-1 carries the RSS.
				var tail float64
				for i := c.N; i < c.M; i++ {
					v := j.New.B[idx(c.ColMajor, i, r, j.New.LDB)]
					tail += v * v
				}
				require.InDelta(t, j.RSS[r], tail, 1e-13*bnorm+1e-300, "tail sum of squares, column %d", r)
			}
			requirePaddingNaN(t, j.New, c.N, c.NRHS)
		})
	}
}

// IncreTest checks chains of incremental jobs (batches of 1 row, fewer
// rows than n, and random sizes; 1, 10 and 100 rounds) against a cold
// factorization of all rows, on conditioned and on string-key data. All
// chains advance together, one batch of jobs per round.
func IncreTest(t *testing.T, e device.Engine, tol float64) {
	rnd := rand.New(rand.NewPCG(2, 2))
	type chain struct {
		name   string
		p      Problem
		sizes  []int
		t      []float64
		rss    []float64
		done   int
		colMaj bool
	}
	var chains []*chain
	add := func(name string, p Problem, first int, sizes []int, colMaj bool) {
		chains = append(chains, &chain{name: name, p: p, sizes: append([]int{first}, sizes...), colMaj: colMaj})
	}
	for _, n := range []int{2, 17, 33, 97} {
		for _, rounds := range []int{1, 10, 100} {
			sizes := make([]int, rounds)
			for i := range sizes {
				switch i % 3 {
				case 0:
					sizes[i] = 1
				case 1:
					sizes[i] = max(1, n/2)
				default:
					sizes[i] = 1 + rnd.IntN(300)
				}
			}
			total := n
			for _, s := range sizes {
				total += s
			}
			kappa := []float64{1, 1e4, 1e6}[rounds%3]
			p := NewProblem(rnd, total, n, 1+2*(rounds%2), kappa, 1e-3)
			add(fmt.Sprintf("n=%d,rounds=%d,kappa=%g", n, rounds, kappa), p, n, sizes, rounds == 10)
		}
	}
	for _, kind := range []KeyKind{RandomKeys, SharedPrefix, TextLike} {
		for _, keyLen := range []int{16, 64} {
			m0, rounds, step := 4*keyLen, 30, 37
			a, b := Keys(rnd, kind, m0+rounds*step, keyLen)
			// Insert in random order so every batch spreads over the range.
			perm := rnd.Perm(len(b))
			pa, pb := make([]float64, len(a)), make([]float64, len(b))
			n := keyLen + 1
			for i, q := range perm {
				copy(pa[i*n:(i+1)*n], a[q*n:(q+1)*n])
				pb[i] = b[q]
			}
			p := Problem{M: len(b), N: n, NRHS: 1, A: pa, B: pb, Kappa: 1}
			sizes := make([]int, rounds)
			for i := range sizes {
				sizes[i] = step
			}
			add(fmt.Sprintf("keys=%d,len=%d", kind, keyLen), p, m0, sizes, kind == SharedPrefix)
		}
	}
	maxRounds := 0
	for _, c := range chains {
		maxRounds = max(maxRounds, len(c.sizes))
	}
	for round := 0; round < maxRounds; round++ {
		var jobs []*device.Job
		for _, c := range chains {
			if round >= len(c.sizes) {
				continue
			}
			k := c.sizes[round]
			n, nrhs := c.p.N, c.p.NRHS
			j := &device.Job{N: n, NRHS: nrhs, Fresh: round == 0, New: c.p.Rows(c.done, c.done+k, c.colMaj, 2),
				RSS: make([]float64, nrhs), Solve: true, X: make([]float64, n*nrhs)}
			if round == 0 {
				j.T = junk(rnd, n*(n+nrhs))
			} else {
				j.T = c.t
				copy(j.RSS, c.rss)
			}
			c.done += k
			jobs = append(jobs, j)
			// The chain's state is the job's: the engine updates T and RSS
			// in place.
			c.t, c.rss = j.T, j.RSS
		}
		e.Run(jobs)
	}
	for _, c := range chains {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			require.Equal(t, p.M, c.done)
			ref := p.MustSolve(t)
			nc := p.N + p.NRHS
			kappa := p.Kappa
			if kappa == 1 && p.N > 1 {
				kappa = condR(ref.R, p.N)
				require.Less(t, kappa, 1e10, "key data must be full rank to be a meaningful case")
			}
			require.LessOrEqual(t, RowSignDiff(p.N, c.t, nc, ref.R, p.N), tolR(tol, p.N, kappa), "R up to row signs")
			x := make([]float64, p.N*p.NRHS)
			require.Zero(t, solveT(p.N, p.NRHS, c.t, x))
			for r := 0; r < p.NRHS; r++ {
				xr := column(ref.X, p.N, p.NRHS, r)
				require.LessOrEqual(t, RelDiff(column(x, p.N, p.NRHS, r), xr), tolX(tol, p.N, kappa, ref.Eta[r]), "x column %d", r)
				bnorm := sumsqAll(column(p.B, p.M, p.NRHS, r))
				require.InDelta(t, ref.RSS[r], c.rss[r], 1e-11*tol*bnorm+1e-300, "rss column %d", r)
			}
		})
	}
}

// condR estimates cond(R) = σ_max/σ_min of an upper-triangular n × n R
// through gonum's SVD of R (exact to rounding, O(n³)).
func condR(r []float64, n int) float64 {
	s := singularValues(n, r)
	if s[n-1] == 0 {
		return math.Inf(1)
	}
	return s[0] / s[n-1]
}

// solveT back-substitutes the augmented factor T = [R | C] (ld n+nrhs).
func solveT(n, nrhs int, t, x []float64) int {
	nc := n + nrhs
	for i := 0; i < n; i++ {
		if t[i*nc+i] == 0 {
			return i + 1
		}
	}
	for r := 0; r < nrhs; r++ {
		for i := n - 1; i >= 0; i-- {
			s := t[i*nc+n+r]
			for j := i + 1; j < n; j++ {
				s -= t[i*nc+j] * x[j*nrhs+r]
			}
			x[i*nrhs+r] = s / t[i*nc+i]
		}
	}
	return 0
}

func column(x []float64, rows, ncols, c int) []float64 {
	out := make([]float64, rows)
	for i := range out {
		out[i] = x[i*ncols+c]
	}
	return out
}

func junk(rnd *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 1e6 * rnd.NormFloat64()
	}
	return s
}

func requireSameBits(t *testing.T, want, got []float64, msg string) {
	t.Helper()
	require.Equal(t, len(want), len(got), msg)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			require.Failf(t, msg, "element %d: %v != %v", i, got[i], want[i])
		}
	}
}

// requirePaddingNaN checks every element of r's buffers outside the logical
// K × N and K × NRHS blocks is still NaN.
func requirePaddingNaN(t *testing.T, r device.Rows, n, nrhs int) {
	t.Helper()
	check := func(name string, x []float64, cols, ld int) {
		for p, v := range x {
			var i, j int
			if r.ColMajor {
				i, j = p%ld, p/ld
			} else {
				i, j = p/ld, p%ld
			}
			inside := i < r.K && j < cols
			if !inside && !math.IsNaN(v) {
				require.Failf(t, "padding written", "%s[%d] (row %d, col %d) = %v", name, p, i, j, v)
			}
		}
	}
	check("A", r.A, n, r.LDA)
	check("B", r.B, nrhs, r.LDB)
}
