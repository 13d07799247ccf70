package solver_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/memo"

	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/solver"
)

// TestTrainBatch: a batch with distinct and repeated IDs, a job without
// memo, an illegal job and a shape mismatch gives, job by job, what
// IncreTrain calls in batch order give, and failing jobs change nothing.
func TestTrainBatch(t *testing.T) {
	rnd := rand.New(rand.NewPCG(30, 1))
	batch, serial := solver.New(), solver.New()
	type model struct {
		n, nrhs int
		p       enginetest.Problem
		used    int
	}
	models := map[int64]*model{}
	for id := int64(1); id <= 6; id++ {
		n, nrhs := []int{3, 17, 33}[id%3], 1+int(id%2)
		p := problem(rnd, 400, n, nrhs, 100)
		m0 := 2 * n
		for _, sv := range []*solver.Solver{batch, serial} {
			s := store(solver.RowMajor, m0, n, nrhs, p.A[:m0*n], p.B[:m0*nrhs], m0, 0)
			require.NoError(t, s.cold(sv, id, 'N'))
		}
		models[id] = &model{n: n, nrhs: nrhs, p: p, used: m0}
	}
	ids := []int64{1, 2, 3, 1, 4, 5, 6, 1, 2, 99, 3}
	var jobs []solver.BatchJob
	var twins []stored
	for q, id := range ids {
		md := models[id]
		if md == nil {
			md = models[1] // ID 99 has no memo
		}
		k := 1 + rnd.IntN(40)
		lo := md.used
		md.used += k
		layout := []solver.Layout{solver.RowMajor, solver.ColMajor}[q%2]
		s := store(layout, k, md.n, md.nrhs, md.p.A[lo*md.n:(lo+k)*md.n], md.p.B[lo*md.nrhs:(lo+k)*md.nrhs], max(k, md.n), 1)
		twin := store(layout, k, md.n, md.nrhs, md.p.A[lo*md.n:(lo+k)*md.n], md.p.B[lo*md.nrhs:(lo+k)*md.nrhs], max(k, md.n), 1)
		jobs = append(jobs, solver.BatchJob{ID: id, Layout: layout, M: k, N: md.n, NRHS: md.nrhs, A: s.a, LDA: s.lda, B: s.b, LDB: s.ldb})
		twins = append(twins, twin)
	}
	// An illegal job (lda too small) and a shape mismatch (n differs).
	bad := jobs[4]
	bad.LDA = 0
	jobs = append(jobs, bad)
	mism := jobs[0] // row-major
	mism.N, mism.LDA = 2, 2
	mism.A = make([]float64, mism.M*2)
	mism.B, mism.LDB = make([]float64, max(mism.M, 2)*mism.NRHS), mism.NRHS
	jobs = append(jobs, mism)
	before := batch.Memo(1)
	failed := batch.TrainBatch(jobs)
	require.Equal(t, 3, failed)
	require.Equal(t, solver.CodeNoMemo, solver.Code(jobs[9].Err))
	require.Equal(t, -7, solver.Code(jobs[len(jobs)-2].Err))
	require.Equal(t, -4, solver.Code(jobs[len(jobs)-1].Err))
	for q, id := range ids {
		want := twins[q].incre(serial, id)
		require.Equal(t, solver.Code(want), solver.Code(jobs[q].Err), "job %d", q)
		if want != nil {
			continue
		}
		x := make([]float64, jobs[q].N*jobs[q].NRHS)
		s := stored{layout: jobs[q].Layout, nrhs: jobs[q].NRHS, b: jobs[q].B, ldb: jobs[q].LDB}
		copy(x, s.bRow(jobs[q].N))
		require.LessOrEqual(t, enginetest.RelDiff(x, twins[q].bRow(jobs[q].N)), 1e-12, "job %d", q)
	}
	for id := int64(1); id <= 6; id++ {
		require.Equal(t, serial.Memo(id).Rows, batch.Memo(id).Rows, "model %d", id)
	}
	require.Greater(t, batch.Memo(1).Rows, before.Rows)
	require.Nil(t, batch.Memo(99))
}

// TestTrainBatchGroups: a pass larger than the engine's group size (300
// models, about 14 groups) on 1, 2 and 3 workers — groups trained
// concurrently — gives, job by job and memo by memo, exactly (bit for bit)
// what a loop of IncreTrain calls gives, with repeated IDs, jobs without a
// memo and jobs with a NaN among them.
func TestTrainBatchGroups(t *testing.T) {
	const models, n, k = 300, 17, 64
	for _, threads := range []int{1, 2, 3} {
		t.Run("threads="+strconv.Itoa(threads), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(31, uint64(threads)))
			batch, serial := solver.New(), solver.New()
			batch.SetThreads(threads)
			row := func(m int) ([]float64, []float64) {
				a, b := make([]float64, m*n), make([]float64, m)
				for i := range a {
					a[i] = float64(rnd.IntN(256))
				}
				for i := range b {
					b[i] = rnd.Float64() * 1e6
				}
				return a, b
			}
			for id := range int64(models) {
				a, b := row(2 * n)
				for _, sv := range []*solver.Solver{batch, serial} {
					require.NoError(t, sv.ColdTrain(id, solver.RowMajor, 'N', 2*n, n, 1, slices.Clone(a), n, slices.Clone(b), 1))
				}
			}
			var jobs []solver.BatchJob
			var twins [][2][]float64
			for q := range models + 40 {
				id := int64(q % models) // the last 40 repeat an ID (a second wave)
				switch {
				case q%97 == 5:
					id = models + 1000 // no memo
				}
				a, b := row(k)
				if q%61 == 7 {
					a[3] = math.NaN()
				}
				jobs = append(jobs, solver.BatchJob{ID: id, Layout: solver.RowMajor, M: k, N: n, NRHS: 1, A: a, LDA: n, B: slices.Clone(b), LDB: 1})
				twins = append(twins, [2][]float64{a, b})
			}
			failed := batch.TrainBatch(jobs)
			wantFailed := 0
			for q := range jobs {
				err := serial.IncreTrain(jobs[q].ID, solver.RowMajor, 'N', k, n, 1, twins[q][0], n, twins[q][1], 1)
				if err != nil {
					wantFailed++
				}
				require.Equal(t, solver.Code(err), solver.Code(jobs[q].Err), "job %d", q)
				require.Equal(t, twins[q][1], jobs[q].B, "job %d", q)
			}
			require.Equal(t, wantFailed, failed)
			require.Greater(t, failed, 5)
			for id := range int64(models) {
				require.Equal(t, serial.Memo(id), batch.Memo(id), "model %d", id)
			}
		})
	}
}

// hookEngine runs hook once, on its first Run after hook is set, then waits
// before training: a call that hook starts gets to queue for the batch's
// locks.
type hookEngine struct {
	inner device.Engine
	once  sync.Once
	hook  func()
}

func (e *hookEngine) Name() string { return "hook" }
func (e *hookEngine) Run(jobs []*device.Job) {
	if e.hook == nil {
		e.inner.Run(jobs)
		return
	}
	e.once.Do(func() {
		e.hook()
		time.Sleep(5 * time.Millisecond) // past sync.Mutex's 1 ms: the waiter is handed the lock on unlock
	})
	e.inner.Run(jobs)
}

// TestTrainBatchAtomicAcrossWaves: a batch that repeats an ID holds its
// locks for the whole call, so an incre_train on that ID started during the
// batch runs after all of the batch's jobs on it (sia.h: multi-ID calls are
// atomic with respect to calls on their IDs) — the memo is the serial
// replay j1, j2, then j3, never j1, j3, j2.
func TestTrainBatchAtomicAcrossWaves(t *testing.T) {
	const n, k = 3, 4
	rnd := rand.New(rand.NewPCG(32, 1))
	rows := func() ([]float64, []float64) {
		a, b := make([]float64, k*n), make([]float64, k)
		for i := range a {
			a[i] = rnd.NormFloat64()
		}
		for i := range b {
			b[i] = rnd.NormFloat64()
		}
		return a, b
	}
	a0, b0 := make([]float64, 2*n*n), make([]float64, 2*n)
	for i := range a0 {
		a0[i] = rnd.NormFloat64()
	}
	var r [3][2][]float64
	for q := range r {
		r[q][0], r[q][1] = rows()
	}
	replay := solver.New()
	require.NoError(t, replay.ColdTrain(1, solver.RowMajor, 'N', 2*n, n, 1, slices.Clone(a0), n, slices.Clone(b0), 1))
	for _, q := range []int{0, 1, 2} {
		require.NoError(t, replay.IncreTrain(1, solver.RowMajor, 'N', k, n, 1, r[q][0], n, slices.Clone(r[q][1]), 1))
	}
	for try := range 5 {
		eng := &hookEngine{inner: &cpu.Engine{Workers: 1}}
		sv := solver.New(solver.WithEngine(eng))
		for _, id := range []int64{1, 2} {
			require.NoError(t, sv.ColdTrain(id, solver.RowMajor, 'N', 2*n, n, 1, slices.Clone(a0), n, slices.Clone(b0), 1))
		}
		var wg sync.WaitGroup
		eng.hook = func() {
			wg.Go(func() {
				assert.NoError(t, sv.IncreTrain(1, solver.RowMajor, 'N', k, n, 1, r[2][0], n, slices.Clone(r[2][1]), 1))
			})
		}
		job := func(id int64, q int) solver.BatchJob {
			return solver.BatchJob{ID: id, Layout: solver.RowMajor, M: k, N: n, NRHS: 1, A: r[q][0], LDA: n, B: slices.Clone(r[q][1]), LDB: 1}
		}
		require.Zero(t, sv.TrainBatch([]solver.BatchJob{job(1, 0), job(2, 1), job(1, 1)}))
		wg.Wait()
		require.Equal(t, replay.Memo(1), sv.Memo(1), "try %d: another call ran between the batch's jobs on ID 1", try)
	}
}

// breakEngine trains groups of two jobs on inner and then cuts the second
// job's solution short, so that writing it back panics: an internal error
// after the engine, in the batch's own code.
type breakEngine struct{ inner device.Engine }

func (e *breakEngine) Name() string { return "break" }
func (e *breakEngine) Run(jobs []*device.Job) {
	e.inner.Run(jobs)
	if len(jobs) == 2 {
		jobs[1].X = jobs[1].X[:0]
	}
}
func (e *breakEngine) Grouping() (int, int, device.Engine) { return 1, 1, e }

// pairEngine hands out groups of two jobs (224 bytes each at n = 3, k = 4).
type pairEngine struct{ breakEngine }

func (e *pairEngine) Grouping() (int, int, device.Engine) { return 500, 1, &e.breakEngine }

// TestTrainBatchInternalError: a panic in the batch's own code fails only
// the jobs not yet committed, with CodeInternal and their memos as they
// were; jobs committed before it keep their results and memos, and the
// batch goes on with the next group.
func TestTrainBatchInternalError(t *testing.T) {
	const n, k = 3, 4
	rnd := rand.New(rand.NewPCG(33, 1))
	sv, replay := solver.New(solver.WithEngine(&pairEngine{breakEngine{&cpu.Engine{Workers: 1}}})), solver.New()
	a0, b0 := make([]float64, 2*n*n), make([]float64, 2*n)
	for i := range a0 {
		a0[i] = rnd.NormFloat64()
	}
	var jobs []solver.BatchJob
	for id := range int64(4) {
		for _, s := range []*solver.Solver{sv, replay} {
			require.NoError(t, s.ColdTrain(id, solver.RowMajor, 'N', 2*n, n, 1, slices.Clone(a0), n, slices.Clone(b0), 1))
		}
		a, b := make([]float64, k*n), make([]float64, k)
		for i := range a {
			a[i] = rnd.NormFloat64()
		}
		jobs = append(jobs, solver.BatchJob{ID: id, Layout: solver.RowMajor, M: k, N: n, NRHS: 1, A: a, LDA: n, B: b, LDB: 1})
	}
	before := []*memo.Model{sv.Memo(0), sv.Memo(1), sv.Memo(2), sv.Memo(3)}
	require.Equal(t, 2, sv.TrainBatch(jobs))
	for q, j := range jobs {
		if q%2 == 1 { // the second of each group of two
			require.Equal(t, solver.CodeInternal, solver.Code(j.Err), "job %d", q)
			require.Equal(t, before[q], sv.Memo(j.ID), "job %d: a failed job changed its memo", q)
			continue
		}
		require.NoError(t, j.Err, "job %d", q)
		b := make([]float64, k)
		require.NoError(t, replay.IncreTrain(j.ID, solver.RowMajor, 'N', k, n, 1, j.A, n, b, 1))
		require.Equal(t, b[:n], j.B[:n], "job %d", q)
		require.Equal(t, replay.Memo(j.ID), sv.Memo(j.ID), "job %d", q)
	}
}
