package enginetest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
)

// BatchTest runs batches of 1, 7 and 256 independent update jobs with mixed
// shapes (n from 2 to 65, nrhs 1 and 2, k from 1 to 300, random and
// string-key rows, both layouts) through e and compares every job with the
// float64 CPU engine on copies: solutions and R (up to row signs) to 1e-10
// relative, residual sums of squares, codes. In the 7-job batch one job is
// exactly singular (a zero column in all its rows): it must report
// Info > 0 while the others are unaffected.
func BatchTest(t *testing.T, e device.Engine) {
	rnd := rand.New(rand.NewPCG(7, 7))
	ref := &cpu.Engine{Workers: 1}
	for _, size := range []int{1, 7, 256} {
		t.Run(fmt.Sprintf("batch=%d", size), func(t *testing.T) {
			jobs := make([]*device.Job, size)
			refs := make([]*device.Job, size)
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
					p = Problem{M: m0 + k, N: n, NRHS: nrhs, A: a, B: bb}
				} else {
					p = NewProblem(rnd, m0+k, n, nrhs, 10, 1e-2)
				}
				if i == singular {
					for r := 0; r < p.M; r++ {
						p.A[r*n+1] = 0
					}
				}
				// Starting factor of the first m0 rows, from the reference.
				cold := &device.Job{N: n, NRHS: nrhs, T: make([]float64, n*(n+nrhs)), Fresh: true,
					New: p.Rows(0, m0, false, 0), RSS: make([]float64, nrhs)}
				ref.Run([]*device.Job{cold})
				mk := func() *device.Job {
					return &device.Job{N: n, NRHS: nrhs, T: append([]float64(nil), cold.T...),
						New: p.Rows(m0, m0+k, i%2 == 1, i%3), RSS: append([]float64(nil), cold.RSS...),
						Solve: true, X: make([]float64, n*nrhs)}
				}
				jobs[i], refs[i] = mk(), mk()
			}
			ref.Run(refs)
			e.Run(jobs)
			for i, j := range jobs {
				r := refs[i]
				if i == singular {
					require.Positive(t, j.Info, "job %d is singular", i)
					require.Equal(t, r.Info, j.Info, "job %d", i)
					continue
				}
				require.Zero(t, r.Info)
				require.Zero(t, j.Info, "job %d", i)
				nc := j.N + j.NRHS
				require.LessOrEqual(t, RowSignDiff(j.N, j.T, nc, r.T, nc), 1e-10, "job %d: R", i)
				require.LessOrEqual(t, RelDiff(j.X, r.X), 1e-10, "job %d: X", i)
				for q := range j.RSS {
					require.InDelta(t, r.RSS[q], j.RSS[q], 1e-10*(r.RSS[q]+1), "job %d: RSS", i)
				}
			}
		})
	}
}
