package solver

import (
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
// are applied in their order in the batch, in successive waves. It returns
// the number of failed jobs.
func (s *Solver) TrainBatch(jobs []BatchJob) (failed int) {
	const op = "train_batch"
	// Wave w holds the w-th job of each ID.
	seen := make(map[int64]int, len(jobs))
	norms := make([][2]float64, len(jobs)) // max |a|, max |b| of each job
	var waves [][]int
	for i := range jobs {
		j := &jobs[i]
		j.Err = nil
		g := gelsArgs{layout: j.Layout, trans: 'N', m: j.M, n: j.N, nrhs: j.NRHS,
			a: j.A, lda: j.LDA, b: j.B, ldb: j.LDB, bRows: max(j.M, j.N), bCheck: j.M}
		if code := g.check(true); code != CodeOK {
			j.Err = newError(op, code)
			continue
		}
		norms[i] = [2]float64{g.anrm, g.bnrm}
		if j.ID < 0 {
			j.Err = newError(op, CodeNoMemo)
			continue
		}
		w := seen[j.ID]
		seen[j.ID] = w + 1
		if w == len(waves) {
			waves = append(waves, nil)
		}
		waves[w] = append(waves[w], i)
	}
	for _, wave := range waves {
		s.trainWave(jobs, norms, wave)
	}
	for i := range jobs {
		if jobs[i].Err != nil {
			failed++
		}
	}
	return failed
}

// trainWave trains jobs whose IDs are distinct, holding all their locks.
func (s *Solver) trainWave(jobs []BatchJob, norms [][2]float64, wave []int) {
	const op = "train_batch"
	ids := make([]int64, len(wave))
	for q, i := range wave {
		ids[q] = jobs[i].ID
	}
	_ = s.store.UpdateMany(ids, func(cur map[int64]*memo.Model) (map[int64]*memo.Model, error) {
		next := make(map[int64]*memo.Model, len(wave))
		var djobs []*device.Job
		var owners []int
		var scales []memoScale
		var bufs []*[]float64
		defer func() {
			for _, p := range bufs {
				s.put(p)
			}
		}()
		for _, i := range wave {
			j := &jobs[i]
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
			sc := newMemoScale(max(m.AMax, norms[i][0]), max(m.BMax, norms[i][1]))
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
			s.Engine().Run(djobs)
		}
		for q, dj := range djobs {
			j := &jobs[owners[q]]
			if info := scales[q].finish(dj); info != 0 {
				j.Err = newError(op, info)
				continue
			}
			m := cur[j.ID]
			m.Pack(dj.T, j.N+j.NRHS, dj.RSS)
			scales[q].store(m)
			m.Rows += int64(j.M)
			putX(j.Layout, j.N, j.NRHS, dj.X, j.B, j.LDB)
			next[j.ID] = m
		}
		return next, nil
	})
}
