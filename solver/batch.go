package solver

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/memo"
)

// BatchJob is one model's incremental training in a batch: the arguments
// of IncreTrain (trans 'N') and, after TrainBatch, its result.
type BatchJob struct {
	ID         int64
	Layout     Layout
	M, N, NRHS int
	A          []float64
	LDA        int
	B          []float64
	LDB        int

	// Err is the job's result: nil, or an *Error with IncreTrain's codes.
	Err error
}

// TrainBatch runs many models' incremental training as one batch — what an
// index's single training thread calls once per retraining pass. Each job
// is exactly IncreTrain(job.ID, job.Layout, 'N', …) and gets its own
// result in Err; a failing job changes nothing and does not affect the
// others. Jobs on distinct IDs go to the engine together (in parallel on the
// CPU workers or as one launch on an OpenCL device); jobs repeating an ID
// are applied in their order in the batch, in successive waves; the locks of
// all the batch's IDs are held for the whole call, so no other call on an ID
// runs between its jobs. An internal error (a recovered panic) fails the jobs
// not yet committed with CodeInternal, their memos unchanged. It returns the
// number of failed jobs.
func (s *Solver) TrainBatch(jobs []BatchJob) (failed int) {
	const op = "train_batch"
	// Wave w holds the w-th job of each ID. A job's arguments (and its NaN
	// scan) are checked when its group is trained, just before its rows are
	// read again, so that a pass larger than the caches reads them from
	// memory once (a job that fails its check merely holds a wave slot).
	seen := make(map[int64]int, len(jobs))
	var waves [][]int
	for i := range jobs {
		j := &jobs[i]
		j.Err = nil
		if j.ID < 0 {
			if _, code := j.check(); code != CodeOK {
				j.Err = newError(op, code)
			} else {
				j.Err = newError(op, CodeNoMemo)
			}
			continue
		}
		w := seen[j.ID]
		seen[j.ID] = w + 1
		if w == len(waves) {
			waves = append(waves, nil)
		}
		waves[w] = append(waves[w], i)
	}
	// One lock set for the whole batch (wave 0 holds every ID once): a
	// batch repeating an ID is atomic with respect to other calls on it.
	if len(waves) > 0 {
		ids := make([]int64, len(waves[0]))
		for q, i := range waves[0] {
			ids[q] = jobs[i].ID
		}
		err := s.store.UpdateMany(ids, func(cur map[int64]*memo.Model) (map[int64]*memo.Model, error) {
			next := make(map[int64]*memo.Model, len(ids))
			for _, wave := range waves {
				s.trainWave(jobs, wave, cur, next)
			}
			return next, nil
		})
		if err != nil {
			// The training function returns no error, so the store has
			// none to report today; should it, no job of the batch counts
			// as committed.
			for i := range jobs {
				if jobs[i].Err == nil {
					jobs[i].Err = newError(op, Code(err))
				}
			}
		}
	}
	for i := range jobs {
		if jobs[i].Err != nil {
			failed++
		}
	}
	return failed
}

// trainWave trains jobs whose IDs are distinct, their locks held (cur),
// adding the new memos to next.
func (s *Solver) trainWave(jobs []BatchJob, wave []int, cur, next map[int64]*memo.Model) {
	bytes, conc, each := 0, 1, s.Engine()
	if gs, ok := each.(device.GroupSizer); ok {
		bytes, conc, each = gs.Grouping()
	}
	// Groups whose unpacked factors fit the engine's working set; an engine
	// that does not say trains the whole wave in one Run (one OpenCL
	// launch).
	var groups [][]int
	for g0 := 0; g0 < len(wave); {
		g1 := len(wave)
		if bytes > 0 {
			g1 = g0 + 1
			for b := jobBytes(&jobs[wave[g0]]); g1 < len(wave); g1++ {
				if b += jobBytes(&jobs[wave[g1]]); b > bytes {
					break
				}
			}
		}
		groups = append(groups, wave[g0:g1])
		g0 = g1
	}
	if conc <= 1 || len(groups) == 1 {
		for _, g := range groups {
			part := make(map[int64]*memo.Model, len(g))
			s.trainGroupSafe(each, jobs, g, cur, part)
			maps.Copy(next, part)
		}
		return
	}
	// Groups on conc goroutines: everything per job (checks, unpack,
	// training, pack) runs in parallel; jobs and models are disjoint
	// between groups, cur is only read, next is merged under mu.
	var mu sync.Mutex
	var wg sync.WaitGroup
	var nextGroup atomic.Int64
	for range min(conc, len(groups)) {
		wg.Go(func() {
			for {
				q := int(nextGroup.Add(1)) - 1
				if q >= len(groups) {
					return
				}
				part := make(map[int64]*memo.Model, len(groups[q]))
				s.trainGroupSafe(each, jobs, groups[q], cur, part)
				mu.Lock()
				maps.Copy(next, part)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// trainGroupSafe is trainGroup with panics (internal errors; the engine
// recovers its own) contained: the group's jobs that were not yet
// committed (their memo in part, a map of this group's only) fail with
// CodeInternal, those committed keep their results.
func (s *Solver) trainGroupSafe(eng device.Engine, jobs []BatchJob, group []int, cur, part map[int64]*memo.Model) {
	defer func() {
		if r := recover(); r != nil {
			for _, i := range group {
				if jobs[i].Err == nil && part[jobs[i].ID] == nil {
					jobs[i].Err = newError("train_batch", CodeInternal)
				}
			}
		}
	}()
	s.trainGroup(eng, jobs, group, cur, part)
}

// check validates the job's arguments as IncreTrain does and returns the
// largest magnitudes of its rows and targets.
func (j *BatchJob) check() ([2]float64, int) {
	g := gelsArgs{layout: j.Layout, trans: 'N', m: j.M, n: j.N, nrhs: j.NRHS,
		a: j.A, lda: j.LDA, b: j.B, ldb: j.LDB, bRows: max(j.M, j.N), bCheck: j.M}
	code := g.check(true)
	return [2]float64{g.anrm, g.bnrm}, code
}

// jobBytes is the memory a batch job's unpacked factor and rows occupy.
func jobBytes(j *BatchJob) int {
	// Clamped: the job's arguments are checked later.
	n, nrhs, m := min(max(j.N, 0), MaxColumns), min(max(j.NRHS, 0), MaxColumns), min(max(j.M, 0), 1<<30)
	return 8 * (n + m) * (n + nrhs)
}

// trainGroup trains one group of a wave (distinct IDs, their locks held),
// adding the new memos to next.
func (s *Solver) trainGroup(eng device.Engine, jobs []BatchJob, group []int, cur, next map[int64]*memo.Model) {
	const op = "train_batch"
	var djobs []*device.Job
	var owners []int
	var scales []memoScale
	var bufs []*scratch
	defer func() {
		for _, p := range bufs {
			s.put(p)
		}
	}()
	for _, i := range group {
		j := &jobs[i]
		norms, code := j.check()
		if code != CodeOK {
			j.Err = newError(op, code)
			continue
		}
		m := cur[j.ID]
		s.store.RecordLookup(m != nil)
		switch {
		case m == nil:
			j.Err = newError(op, CodeNoMemo)
			continue
		case m.N != j.N:
			j.Err = newError(op, -4)
			continue
		case m.NRHS != j.NRHS:
			j.Err = newError(op, -5)
			continue
		}
		dj, p := s.job(j.N, j.NRHS, device.Rows{K: j.M, ColMajor: j.Layout == ColMajor, A: j.A, LDA: j.LDA, B: j.B, LDB: j.LDB})
		bufs = append(bufs, p)
		m.Unpack(dj.T, j.N+j.NRHS, dj.RSS)
		sc := newMemoScale(max(m.AMax, norms[0]), max(m.BMax, norms[1]))
		if sc.losesTargets(dj, m) {
			j.Err = newError(op, CodeCold)
			continue
		}
		sc.apply(dj, m)
		scales = append(scales, sc)
		djobs = append(djobs, dj)
		owners = append(owners, i)
	}
	if len(djobs) > 0 {
		eng.Run(djobs)
	}
	for q, dj := range djobs {
		j := &jobs[owners[q]]
		switch info := scales[q].finish(dj); {
		case info == device.InfoUnstable:
			j.Err = newError(op, CodeCold)
			continue
		case info != 0:
			j.Err = newError(op, info)
			continue
		}
		// The solution first: should writing it fail (an internal error),
		// the memo is still the one before the job.
		putX(j.Layout, j.N, j.NRHS, dj.X, j.B, j.LDB)
		m := cur[j.ID]
		m.Pack(dj.T, j.N+j.NRHS, dj.RSS)
		scales[q].store(m)
		m.Rows += int64(j.M)
		next[j.ID] = m
	}
}
