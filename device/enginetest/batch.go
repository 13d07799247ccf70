package enginetest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/libsia/sia/device"
)

// BatchTest is BatchTestTol with tol = 4, the constant ColdTest and
// IncreTest are given for engines that sum in their own order (OpenCL).
func BatchTest(t *testing.T, e device.Engine) { BatchTestTol(t, e, 4) }

// BatchTestTol runs batches of 1, 7 and 256 independent update jobs with
// mixed shapes (n from 2 to 65, nrhs 1 and 2, k from 1 to 300, random and
// string-key rows, both layouts, padded leading dimensions) through e and
// checks every job against an independent reference: each job starts from
// gonum's QR of its first rows (the augmented factor [R | Qᵀb] and the
// residual sums of squares), and its R (up to row signs), solution and
// residual sums of squares must match gonum's least-squares solve of all
// its rows within the perturbation bounds of ColdTest scaled by tol (1 for
// the CPU engine). In the 7-job batch one job is exactly singular (a zero
// column in all its rows): it must report Info = 2 while the others are
// unaffected.
func BatchTestTol(t *testing.T, e device.Engine, tol float64) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, size := range []int{1, 7, 256} {
		t.Run(fmt.Sprintf("batch=%d", size), func(t *testing.T) {
			jobs := make([]*device.Job, size)
			probs := make([]Problem, size)
			singular := -1
			if size == 7 {
				singular = 3
			}
			for i := range jobs {
				n := []int{2, 9, 17, 33, 65}[i%5]
				nrhs := 1 + i%2
				k := []int{1, n - 1, 1 + rnd.IntN(300)}[i%3]
				k = max(k, 1)
				m0 := 2*n + 5
				var p Problem
				if i%4 == 0 && n > 2 {
					a, b := Keys(rnd, RandomKeys, m0+k, n-1)
					bb := make([]float64, len(b)*nrhs)
					for r := range b {
						for q := 0; q < nrhs; q++ {
							bb[r*nrhs+q] = b[r] * float64(q+1)
						}
					}
					p = Problem{M: m0 + k, N: n, NRHS: nrhs, A: a, B: bb, Kappa: 1}
				} else {
					p = NewProblem(rnd, m0+k, n, nrhs, 10, 1e-2)
				}
				if i == singular {
					for r := 0; r < p.M; r++ {
						p.A[r*n+1] = 0
					}
				}
				tt, rss := augmentedQR(m0, n, nrhs, p.A, p.B)
				jobs[i] = &device.Job{N: n, NRHS: nrhs, T: tt, New: p.Rows(m0, m0+k, i%2 == 1, i%3), RSS: rss,
					Solve: true, X: junk(rnd, n*nrhs)}
				probs[i] = p
			}
			e.Run(jobs)
			for i, j := range jobs {
				p := probs[i]
				if i == singular {
					_, ok := Gels('N', p.M, p.N, p.NRHS, p.A, p.B)
					require.False(t, ok, "job %d: the reference must find it singular", i)
					require.Equal(t, 2, j.Info, "job %d: R(2,2) is exactly zero", i)
					continue
				}
				require.Zero(t, j.Info, "job %d", i)
				ref := p.MustSolve(t)
				kappa := p.Kappa
				if kappa == 1 && p.N > 1 {
					kappa = condR(ref.R, p.N)
					require.Less(t, kappa, 1e10, "job %d: key data must be full rank to be a meaningful case", i)
				}
				nc := p.N + p.NRHS
				require.LessOrEqual(t, RowSignDiff(p.N, j.T, nc, ref.R, p.N), tolR(tol, p.N, kappa), "job %d: R up to row signs", i)
				for r := 0; r < p.NRHS; r++ {
					xr := column(ref.X, p.N, p.NRHS, r)
					require.LessOrEqual(t, RelDiff(column(j.X, p.N, p.NRHS, r), xr), tolX(tol, p.N, kappa, ref.Eta[r]), "job %d: x column %d", i, r)
					bnorm := sumsqAll(column(p.B, p.M, p.NRHS, r))
					require.InDelta(t, ref.RSS[r], j.RSS[r], 1e-11*tol*bnorm+1e-300, "job %d: rss column %d", i, r)
				}
				requirePaddingNaN(t, j.New, p.N, p.NRHS)
			}
		})
	}
}

// augmentedQR returns, from gonum's Householder QR of the first m rows of
// [A | B] (row-major, m ≥ n + nrhs), the augmented factor T = [R | Qᵀb]
// (n × (n+nrhs), row-major, zeros below the diagonal) and the residual sum
// of squares of each target column: the state an engine's incremental job
// starts from, computed without any engine.
func augmentedQR(m, n, nrhs int, a, b []float64) (t, rss []float64) {
	nc := n + nrhs
	w := make([]float64, m*nc)
	for i := 0; i < m; i++ {
		copy(w[i*nc:i*nc+n], a[i*n:(i+1)*n])
		copy(w[i*nc+n:(i+1)*nc], b[i*nrhs:(i+1)*nrhs])
	}
	var impl gonum.Implementation
	tau := make([]float64, nc)
	work := make([]float64, 1)
	impl.Dgeqrf(m, nc, w, nc, tau, work, -1)
	work = make([]float64, int(work[0]))
	impl.Dgeqrf(m, nc, w, nc, tau, work, len(work))
	t = make([]float64, n*nc)
	for i := 0; i < n; i++ {
		copy(t[i*nc+i:(i+1)*nc], w[i*nc+i:(i+1)*nc])
	}
	// Column n+r of the augmented R holds Qᵀb_r; its entries in rows n..n+r
	// carry the part of b_r outside range(A).
	rss = make([]float64, nrhs)
	for r := 0; r < nrhs; r++ {
		for i := n; i <= n+r; i++ {
			v := w[i*nc+n+r]
			rss[r] += v * v
		}
	}
	return t, rss
}
