package solver_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/memo"
	"github.com/libsia/sia/solver"
)

// Tests that each guard a promise of sia.h that an earlier review found
// undefended (issue 22): each fails when the code it guards is broken on
// purpose (the mutation is named in the test's comment).

// failEngine trains every job on the CPU engine, then reports info for the
// jobs that fail selects: a failure inside the engine after it has
// changed T, RSS and X, as an engine that fails late leaves them. runs
// counts the Run calls.
type failEngine struct {
	info  int
	fails func(j *device.Job) bool
	runs  atomic.Int64
}

func (e *failEngine) Name() string { return "fail" }
func (e *failEngine) Run(jobs []*device.Job) {
	e.runs.Add(1)
	(&cpu.Engine{Workers: 1}).Run(jobs)
	for _, j := range jobs {
		if e.fails != nil && e.fails(j) {
			j.Info = e.info
		}
	}
}

// TestUpdateFailureWritesNothing: when the engine fails a job of
// incre_train or decre_train (an internal error, an exactly singular R, a
// refused downdate) the call returns that code, the memo is bit for bit as
// it was and b is not written (sia.h: "On any non-zero return the memo is
// unchanged and b is not written"). Mutations killed: the solution written
// before the job's info is checked (trainMemo's done moved before the
// switch), the factor packed on failure.
func TestUpdateFailureWritesNothing(t *testing.T) {
	const n, m0, k = 4, 30, 6
	for _, tc := range []struct {
		info int
		want int
	}{
		{device.InfoInternal, solver.CodeInternal},
		{3, 3},
		{device.InfoUnstable, solver.CodeCold},
	} {
		for _, op := range []string{"incre_train", "decre_train"} {
			t.Run(fmt.Sprintf("%s/info=%d", op, tc.info), func(t *testing.T) {
				rnd := rand.New(rand.NewPCG(60, uint64(tc.info+2000)))
				eng := &failEngine{info: tc.info}
				sv := solver.New(solver.WithEngine(eng))
				a, b := randn(rnd, m0*n), randn(rnd, m0)
				c := store(solver.RowMajor, m0, n, 1, a, b, m0, 0)
				require.NoError(t, c.cold(sv, 1, 'N'))
				before := sv.Memo(1)
				eng.fails = func(*device.Job) bool { return true }
				var s stored
				var err error
				if op == "incre_train" {
					s = store(solver.ColMajor, k, n, 1, randn(rnd, k*n), randn(rnd, k), max(k, n), 1)
					b0 := slices.Clone(s.b)
					err = sv.IncreTrain(1, s.layout, 'N', k, n, 1, s.a, s.lda, s.b, s.ldb)
					require.Equal(t, fmt.Sprint(b0), fmt.Sprint(s.b), "b written on failure")
				} else {
					// Rows that were absorbed: the downdate itself is sound.
					s = store(solver.ColMajor, k, n, 1, a[:k*n], b[:k], max(k, n), 1)
					b0 := slices.Clone(s.b)
					err = sv.DecreTrain(1, s.layout, 'N', k, n, 1, s.a, s.lda, s.b, s.ldb)
					require.Equal(t, fmt.Sprint(b0), fmt.Sprint(s.b), "b written on failure")
				}
				require.Equal(t, tc.want, solver.Code(err), "%v", err)
				requireSameMemo(t, before, sv.Memo(1))
				// The engine was reached: the failure is the engine's.
				require.Equal(t, int64(2), eng.runs.Load())
			})
		}
	}
}

// TestTrainBatchEngineFailure: a sia_train_batch job that the engine fails
// (after training it) gets the engine's code, and its memo and b stay as
// they were, while the other jobs of the same engine run succeed (sia.h:
// "a failing job changes nothing and does not affect the others").
// Mutations killed: trainGroup packing a job whose info is non-zero (the
// continue after the finish check removed), writing its solution first.
func TestTrainBatchEngineFailure(t *testing.T) {
	const n, k = 4, 6
	for _, info := range []int{device.InfoInternal, 2, device.InfoUnstable} {
		t.Run(fmt.Sprintf("info=%d", info), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(61, uint64(info+2000)))
			const poison = 7 // the failing job's row count
			eng := &failEngine{info: info}
			sv, replay := solver.New(solver.WithEngine(eng)), solver.New()
			var jobs []solver.BatchJob
			var before []*memo.Model
			for id := range int64(3) {
				a, b := randn(rnd, 3*n*n), randn(rnd, 3*n)
				for _, s := range []*solver.Solver{sv, replay} {
					require.NoError(t, s.ColdTrain(id, solver.RowMajor, 'N', 3*n, n, 1, slices.Clone(a), n, slices.Clone(b), 1))
				}
				before = append(before, sv.Memo(id))
				m := k
				if id == 1 {
					m = poison
				}
				jobs = append(jobs, solver.BatchJob{ID: id, Layout: solver.RowMajor, M: m, N: n, NRHS: 1,
					A: randn(rnd, m*n), LDA: n, B: randn(rnd, m), LDB: 1})
			}
			targets := [][]float64{slices.Clone(jobs[0].B), slices.Clone(jobs[1].B), slices.Clone(jobs[2].B)}
			b1 := targets[1]
			eng.fails = func(j *device.Job) bool { return j.New.K == poison }
			require.Equal(t, 1, sv.TrainBatch(jobs))
			want := info
			if info == device.InfoUnstable {
				want = solver.CodeCold
			}
			require.Equal(t, want, solver.Code(jobs[1].Err), "%v", jobs[1].Err)
			requireSameMemo(t, before[1], sv.Memo(1))
			require.Equal(t, b1, jobs[1].B, "the failed job's b was written")
			for _, q := range []int{0, 2} {
				j := jobs[q]
				require.NoError(t, j.Err, "job %d", q)
				b := slices.Clone(targets[q])
				require.NoError(t, replay.IncreTrain(j.ID, solver.RowMajor, 'N', k, n, 1, j.A, n, b, 1))
				require.Equal(t, b[:n], j.B[:n], "job %d", q)
				requireSameMemo(t, replay.Memo(j.ID), sv.Memo(j.ID))
			}
		})
	}
}

// TestDecreRefusesForeignEntry: a row with an entry larger than any
// absorbed row's (or a target larger than any absorbed target) was never
// part of the model, and decre_train refuses it with SIA_ECOLD, the memo
// unchanged — although the downdate itself would pass every numerical
// check (low leverage, a residual far below the model's). Mutation
// killed: the "entry larger than any absorbed" check disabled (either
// half).
func TestDecreRefusesForeignEntry(t *testing.T) {
	rnd := rand.New(rand.NewPCG(62, 1))
	const n, m = 3, 200
	x := []float64{1, -1, 0.5}
	a := make([]float64, m*n)
	b := make([]float64, m)
	var amax, bmax float64
	for i := range m {
		for j := range n {
			a[i*n+j] = 2*rnd.Float64() - 1
			amax = max(amax, math.Abs(a[i*n+j]))
			b[i] += a[i*n+j] * x[j]
		}
		b[i] += rnd.NormFloat64()
		bmax = max(bmax, math.Abs(b[i]))
	}
	for _, tc := range []struct {
		name string
		row  []float64
		tgt  float64
	}{
		{"entry of a", []float64{1.25 * amax, 0, 0}, 1.25 * amax * x[0]},
		{"target", []float64{0.5, 0.5, 0.5}, 1.1 * bmax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.LessOrEqual(t, math.Abs(tc.tgt), 1.1*bmax)
			sv := solver.New()
			c := store(solver.RowMajor, m, n, 1, a, b, m, 0)
			require.NoError(t, c.cold(sv, 1, 'N'))
			before := sv.Memo(1)
			d := store(solver.RowMajor, 1, n, 1, tc.row, []float64{tc.tgt}, n, 0)
			err := sv.DecreTrain(1, solver.RowMajor, 'N', 1, n, 1, d.a, d.lda, d.b, d.ldb)
			require.ErrorIs(t, err, solver.ErrCold)
			requireSameMemo(t, before, sv.Memo(1))
		})
	}
}

// TestDecreRefusesIllConditioned: removing rows one of which at a time
// has leverage 50/51 (1 − ‖R⁻ᵀz‖² = 1/51, above the 1e-2 bound), with
// targets on the fit, is accepted while the downdated R's condition
// estimate stays under 1e10 and refused with SIA_ECOLD once it would
// exceed it (1e12): the condition rule is the deciding check. Mutation
// killed: the DowndateMaxCond comparison disabled (device/cpu).
func TestDecreRefusesIllConditioned(t *testing.T) {
	// Bulk rows (1, 0) and a weak second column carried by rows (0, c):
	// the last one c_f = 1e-11, each removable one c_k² = 50 × the weak
	// column's sum of squares over the rows after it.
	const bulk, steps, cf = 100, 6, 1e-11
	var a, b []float64
	for i := range bulk {
		a = append(a, 1, 0)
		b = append(b, 1+0.1*math.Sin(float64(i)))
	}
	c := make([]float64, steps)
	sum := cf * cf
	for q := steps - 1; q >= 0; q-- {
		c[q] = math.Sqrt(50 * sum)
		sum += c[q] * c[q]
	}
	for _, v := range append(slices.Clone(c), cf) {
		a = append(a, 0, v)
		b = append(b, 2*v) // on the fit: x₂ = 2
	}
	m := len(b)
	for _, tc := range []struct {
		remove int
		ok     bool
	}{
		{3, true},  // weak column's norm 51^1.5·1e-11: condition about 3e9
		{6, false}, // 1e-11: condition about 1e12
	} {
		t.Run(fmt.Sprintf("remove=%d", tc.remove), func(t *testing.T) {
			sv := solver.New()
			all := store(solver.RowMajor, m, 2, 1, a, b, m, 0)
			require.NoError(t, all.cold(sv, 1, 'N'))
			before := sv.Memo(1)
			k := tc.remove
			d := store(solver.RowMajor, k, 2, 1, a[2*bulk:2*(bulk+k)], b[bulk:bulk+k], max(k, 2), 0)
			err := sv.DecreTrain(1, solver.RowMajor, 'N', k, 2, 1, d.a, d.lda, d.b, d.ldb)
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, int64(m-k), sv.Memo(1).Rows)
				require.InDelta(t, 2, d.bRow(2)[1], 1e-6)
				return
			}
			require.ErrorIs(t, err, solver.ErrCold)
			requireSameMemo(t, before, sv.Memo(1))
		})
	}
}

// TestDecreRefusesTooFewRows: removing rows that would leave fewer than n
// is refused with SIA_ECOLD before any work — the engine is not run — and
// the memo is unchanged; leaving exactly n rows is tried. Mutation killed:
// the "fewer than n rows left" rule disabled (the downdate would then be
// attempted).
func TestDecreRefusesTooFewRows(t *testing.T) {
	rnd := rand.New(rand.NewPCG(63, 1))
	const n, m = 3, 5
	a, b := randn(rnd, m*n), randn(rnd, m)
	for _, tc := range []struct {
		remove int
		runs   int64
	}{{3, 0}, {m, 0}, {2, 1}} {
		t.Run(fmt.Sprintf("remove=%d", tc.remove), func(t *testing.T) {
			eng := &failEngine{}
			sv := solver.New(solver.WithEngine(eng))
			c := store(solver.RowMajor, m, n, 1, a, b, m, 0)
			require.NoError(t, c.cold(sv, 1, 'N'))
			before := sv.Memo(1)
			k := tc.remove
			d := store(solver.RowMajor, k, n, 1, a[:k*n], b[:k], max(k, n), 0)
			eng.runs.Store(0)
			err := sv.DecreTrain(1, solver.RowMajor, 'N', k, n, 1, d.a, d.lda, d.b, d.ldb)
			require.Equal(t, tc.runs, eng.runs.Load(), "engine runs")
			if tc.runs == 0 {
				require.ErrorIs(t, err, solver.ErrCold)
				requireSameMemo(t, before, sv.Memo(1))
			}
		})
	}
}

// gateEngine blocks a job of gateK rows in Run until release is closed,
// after closing entered; other jobs train at once.
type gateEngine struct {
	gateK    int
	entered  chan struct{}
	release  chan struct{}
	inner    cpu.Engine
	enterOne sync.Once
}

func (e *gateEngine) Name() string { return "gate" }
func (e *gateEngine) Run(jobs []*device.Job) {
	for _, j := range jobs {
		if j.New.K == e.gateK {
			e.enterOne.Do(func() { close(e.entered) })
			<-e.release
		}
	}
	e.inner.Run(jobs)
}

// TestMemoLimitSparesCallsInFlight: a memo that a call is using is not
// evicted by the limit while the call runs, even when it is the least
// recently used and other calls push the store over the limit (sia.h:
// "Memos held by calls in flight are not evicted until those calls
// return"); the call's update is kept, and the store is back within the
// limit once it returns. Mutation killed: evictLocked evicting models with
// refs > 0.
func TestMemoLimitSparesCallsInFlight(t *testing.T) {
	rnd := rand.New(rand.NewPCG(64, 1))
	const n, m0, gateK = 5, 20, 3
	eng := &gateEngine{gateK: gateK, entered: make(chan struct{}), release: make(chan struct{}), inner: cpu.Engine{Workers: 1}}
	sv := solver.New(solver.WithEngine(eng))
	sv.SetMemoLimit(2 * memo.Bytes(n, 1))
	cold := func(id int64) {
		s := store(solver.RowMajor, m0, n, 1, randn(rnd, m0*n), randn(rnd, m0), m0, 0)
		require.NoError(t, s.cold(sv, id, 'N'))
	}
	cold(1)
	inc := store(solver.RowMajor, gateK, n, 1, randn(rnd, gateK*n), randn(rnd, gateK), n, 0)
	done := make(chan error)
	go func() { done <- inc.incre(sv, 1) }()
	<-eng.entered
	// Model 1 is in flight (its lock held: no Memo(1) until it returns);
	// three more models make it the least recently used.
	for id := int64(2); id <= 4; id++ {
		cold(id)
	}
	close(eng.release)
	require.NoError(t, <-done)
	got := sv.Memo(1)
	require.NotNil(t, got, "the memo of a call in flight was evicted")
	require.Equal(t, int64(m0+gateK), got.Rows)
	require.LessOrEqual(t, sv.MemoStats().Bytes, 2*memo.Bytes(n, 1))
}
