package cpu_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/solver"
)

// poisonN is the column count of the jobs the injected fault hits.
const poisonN = 7

// injectPanics makes every job with poisonN columns panic inside the engine
// (on whatever goroutine runs it) for the rest of the test.
func injectPanics(t *testing.T) {
	cpu.SetFault(func(j *device.Job) {
		if j.N == poisonN {
			panic(fmt.Sprintf("injected fault in a job of %d rows", j.New.K))
		}
	})
	t.Cleanup(func() { cpu.SetFault(nil) })
}

func randRows(rnd *rand.Rand, m, n int) ([]float64, []float64) {
	a := make([]float64, m*n)
	b := make([]float64, m)
	for i := range a {
		a[i] = rnd.NormFloat64()
	}
	for i := range b {
		b[i] = rnd.NormFloat64()
	}
	return a, b
}

// TestPanicInEngineBecomesInternalError: a panic inside the CPU engine, on
// the calling goroutine (1 worker) or on a worker goroutine (2 workers: a
// batch's workers, a split cold job's shares), becomes SIA_EINTERNAL for its
// job alone; the memo of that model is untouched, the other jobs of the
// batch succeed, and the process survives.
func TestPanicInEngineBecomesInternalError(t *testing.T) {
	big := 2*cpu.ParallelMinRows + 100 // splits across 2 workers
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d/cold", workers), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(3, uint64(workers)))
			sv := solver.New(solver.WithEngine(&cpu.Engine{Workers: workers}))
			a, b := randRows(rnd, 50, poisonN)
			require.NoError(t, sv.ColdTrain(1, solver.RowMajor, 'N', 50, poisonN, 1, a, poisonN, b, 1))
			before := sv.Memo(1)
			require.NoError(t, sv.ColdTrain(2, solver.RowMajor, 'N', 50, poisonN, 0, a, poisonN, nil, 1))
			before2 := sv.Memo(2)
			injectPanics(t)
			a, b = randRows(rnd, big, poisonN)
			err := sv.ColdTrain(1, solver.RowMajor, 'N', big, poisonN, 1, a, poisonN, b, 1)
			require.Equal(t, solver.CodeInternal, solver.Code(err), "err = %v", err)
			require.Equal(t, before, sv.Memo(1), "the failed call must leave the memo as it was")
			b0 := slices.Clone(b[:poisonN+10])
			err = sv.IncreTrain(1, solver.RowMajor, 'N', 10, poisonN, 1, a, poisonN, b[:poisonN+10], 1)
			require.Equal(t, solver.CodeInternal, solver.Code(err), "err = %v", err)
			require.Equal(t, before, sv.Memo(1))
			require.Equal(t, b0, b[:poisonN+10], "incre_train wrote b on an engine failure")
			// No right-hand side: dgels would not even factor, but an
			// engine failure is still an error, and nothing is stored.
			err = sv.ColdTrain(2, solver.RowMajor, 'N', big, poisonN, 0, a, poisonN, nil, 1)
			require.Equal(t, solver.CodeInternal, solver.Code(err), "nrhs = 0: err = %v", err)
			require.Equal(t, before2, sv.Memo(2), "nrhs = 0: the failed call must leave the memo as it was")
		})
		t.Run(fmt.Sprintf("workers=%d/batch", workers), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(4, uint64(workers)))
			sv := solver.New(solver.WithEngine(&cpu.Engine{Workers: workers}))
			ns := []int{5, poisonN, 9, 11}
			var jobs []solver.BatchJob
			before := map[int64]any{}
			for i, n := range ns {
				id := int64(10 + i)
				a, b := randRows(rnd, 3*n, n)
				require.NoError(t, sv.ColdTrain(id, solver.RowMajor, 'N', 3*n, n, 1, a, n, b, 1))
				before[id] = sv.Memo(id)
				k := 20 + i
				a, b = randRows(rnd, k, n)
				jobs = append(jobs, solver.BatchJob{ID: id, Layout: solver.RowMajor, M: k, N: n, NRHS: 1, A: a, LDA: n, B: b, LDB: 1})
			}
			injectPanics(t)
			var targets [][]float64
			for _, j := range jobs {
				targets = append(targets, slices.Clone(j.B))
			}
			require.Equal(t, 1, sv.TrainBatch(jobs))
			for i, j := range jobs {
				if j.N == poisonN {
					require.Equal(t, solver.CodeInternal, solver.Code(j.Err), "job %d: %v", i, j.Err)
					require.Equal(t, before[j.ID], sv.Memo(j.ID), "job %d: memo must be untouched", i)
					require.Equal(t, targets[i], j.B, "job %d: b must not be written", i)
					continue
				}
				require.NoError(t, j.Err, "job %d", i)
				require.Equal(t, int64(3*j.N+j.M), sv.Memo(j.ID).Rows, "job %d trained", i)
			}
		})
	}
}

// TestPanicInEngineJobs checks the engine contract directly: the panicking
// job reports device.InfoInternal, its batch mates are trained exactly as
// without the fault.
func TestPanicInEngineJobs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	mk := func(n, k int) *device.Job {
		a, b := randRows(rnd, k, n)
		return &device.Job{N: n, NRHS: 1, T: make([]float64, n*(n+1)), Fresh: true,
			New: device.Rows{K: k, A: a, LDA: n, B: b, LDB: 1}, RSS: make([]float64, 1), Solve: true, X: make([]float64, n)}
	}
	clone := func(j *device.Job) *device.Job {
		c := *j
		c.T, c.RSS, c.X = append([]float64(nil), j.T...), append([]float64(nil), j.RSS...), append([]float64(nil), j.X...)
		return &c
	}
	for _, workers := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			jobs := []*device.Job{mk(4, 30), mk(poisonN, 40), mk(6, 50), mk(poisonN, 2*cpu.ParallelMinRows), mk(8, 60)}
			want := make([]*device.Job, len(jobs))
			for i, j := range jobs {
				want[i] = clone(j)
			}
			(&cpu.Engine{Workers: 1}).Run(want)
			injectPanics(t)
			(&cpu.Engine{Workers: workers}).Run(jobs)
			for i, j := range jobs {
				if j.N == poisonN {
					require.Equal(t, device.InfoInternal, j.Info, "job %d", i)
					continue
				}
				require.Zero(t, j.Info, "job %d", i)
				require.Equal(t, want[i].X, j.X, "job %d", i)
			}
			// A lone large cold job is split across the workers' goroutines.
			lone := mk(poisonN, 2*cpu.ParallelMinRows+7)
			(&cpu.Engine{Workers: workers}).Run([]*device.Job{lone})
			require.Equal(t, device.InfoInternal, lone.Info)
		})
	}
}
