package solver

import (
	"github.com/libsia/sia/device"
	"github.com/libsia/sia/memo"
)

// trainMemo is the shared body of the calls that train an existing memo
// (IncreTrain, DecreTrain, IncreTrainShifted). Under id's lock it runs
// check on the memo (a shape mismatch returns its error), builds the job
// with prepare, decides the scaling with scale (see memoScale), runs the
// job on the engine with the memo's factor, and only if the job succeeded
// packs the new factor back, sets the row count with rows and lets done
// write the solution. It returns the job's effective
// rank, or −1 and ErrNoMemo (for a negative id or a missing memo), the
// check's error, CodeCold for a refused downdate or the job's info.
func (s *Solver) trainMemo(op string, id int64, n, nrhs int,
	check func(cur *memo.Model) error,
	prepare func(job *device.Job),
	scale func(cur *memo.Model) memoScale,
	rows func(cur *memo.Model) int64,
	done func(job *device.Job)) (int, error) {
	if id < 0 {
		return -1, newError(op, CodeNoMemo)
	}
	rank := -1
	found, err := s.store.Modify(id, func(cur *memo.Model) error {
		if err := check(cur); err != nil {
			return err
		}
		job, p := s.job(n, nrhs, device.Rows{})
		defer s.put(p)
		prepare(job)
		cur.Unpack(job.T, n+nrhs, job.RSS)
		sc := scale(cur)
		if sc.losesTargets(job, cur) {
			return newError(op, CodeCold)
		}
		sc.apply(job, cur)
		s.Engine().Run([]*device.Job{job})
		if job.AllBound > 0 { // the engine scanned All's rows (IncreTrainShifted)
			if job.Info == device.InfoRescan {
				return errRescan
			}
			sc.amax = max(sc.amax, job.AllMax)
		}
		switch info := sc.finish(job); {
		case info == device.InfoUnstable:
			return newError(op, CodeCold)
		case info != 0:
			return newError(op, info)
		}
		cur.Pack(job.T, n+nrhs, job.RSS)
		cur.Rows = rows(cur)
		sc.store(cur)
		done(job)
		rank = job.Rank
		return nil
	})
	if err == nil && !found {
		err = newError(op, CodeNoMemo)
	}
	return rank, err
}
