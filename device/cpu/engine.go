// Package cpu is libsia's CPU training engine: the Householder kernels in
// pure Go (one routine per file, the math in its doc comment) and an Engine
// that runs a batch of jobs on a configurable number of worker goroutines.
package cpu

import (
	"math"
	"sync"

	"github.com/libsia/sia/device"
)

// Engine is the CPU engine. The zero value is ready to use and runs jobs on
// one goroutine, leaving the other cores to the index's query threads.
type Engine struct {
	// Workers is the number of goroutines a batch is spread over; values
	// below 1 mean 1.
	Workers int

	pool sync.Pool // *[]float64 scratch blocks

	serialOnce sync.Once
	serial     *Engine // one worker, for concurrent groups (Grouping)
}

// Name returns "cpu".
func (e *Engine) Name() string { return "cpu" }

// Grouping is how the engine trains a large batch best (device.GroupSizer):
// groups of 256 KiB of factors and rows, within a core's L2 cache, Workers
// groups at a time, each on a one-worker engine (10 000 models of n = 33,
// k = 64 row-major, one worker: 36.9 µs per job in one group, 24.4 µs in
// groups; solver's BenchmarkPass, then run at 10 000 models).
func (e *Engine) Grouping() (bytes, concurrent int, each device.Engine) {
	w := max(e.Workers, 1)
	if w == 1 {
		return 256 << 10, 1, e
	}
	e.serialOnce.Do(func() { e.serial = &Engine{Workers: 1} })
	return 256 << 10, w, e.serial
}

// Run trains every job of the batch, on at most Workers goroutines. A batch
// of one large cold job (Fresh, no downdate, no All) with Workers ≥ 2 is split
// across the workers instead: each factors a contiguous share of the rows
// and one more structured update per share merges the partial factors (the
// SIA paper's parallel QR).
func (e *Engine) Run(jobs []*device.Job) {
	if len(jobs) == 1 && e.Workers >= 2 && jobs[0].Fresh && !jobs[0].Downdate && jobs[0].All == nil &&
		jobs[0].New.K >= 2*ParallelMinRows {
		j := jobs[0]
		protect(j, func() { e.runParallelCold(j, min(e.Workers, j.New.K/ParallelMinRows)) })
		return
	}
	workers := min(max(e.Workers, 1), len(jobs))
	if workers <= 1 {
		for _, j := range jobs {
			e.runSafe(j)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan *device.Job)
	for range workers {
		wg.Go(func() {
			for j := range next {
				e.runSafe(j)
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
}

// ChunkRows is the most new rows the engine gathers into one column-major
// block before running Tpqrt on it; chunkRows gives fewer for wide models,
// and a job's rows are cut into equal blocks. Long columns amortize the
// per-column work of each reflector, but the block must stay in the core's
// L2 cache across the passes of every panel: on the development machine
// (AMD EPYC, 512 KiB L2, AVX2 kernel) IncreTrain of k = 1 000 rows at
// n = 65 ran at 20.7 GFLOP/s in two blocks of 500 rows against 18.4 in three
// of 336, and Tpqrt at n = 129 at 22.7 GFLOP/s in blocks of 368 rows
// (374 KiB) against 20.0 in blocks of 512 (532 KiB, over L2).
const ChunkRows = 512

// chunkRows is the most block height for nc columns: ChunkRows, fewer when
// the block would exceed 464 KiB, at least 64, a multiple of 8.
func chunkRows(nc int) int {
	return min(ChunkRows, max(64, (464<<10)/(8*max(nc, 1)))) &^ 7
}

// ldPad is the least padding of the leading dimension of the engine's
// column-major blocks (one cache line); ldFor adds more where needed.
const ldPad = 8

// ldFor is the leading dimension of a block of kc rows: kc + ldPad, padded
// further so that a column's stride is not within 256 bytes below, nor 64
// above, a multiple of 4 KiB. With such strides (an unpadded 512 rows, or the
// 508 of a block of 500 rows plus one line) the row-major gather's stores
// to neighbouring columns fall on the same L1 sets a page apart: n = 97,
// k = 1 000 row-major ran at 18.7-19.9 GFLOP/s with a stride of 4 064 bytes
// and at 22.6 with 4 192 (column-major: 21.9).
func ldFor(kc int) int {
	ld := kc + ldPad
	for r := ld * 8 % 4096; r < 64 || r > 4096-256; r = ld * 8 % 4096 {
		ld += 8
	}
	return ld
}

func (e *Engine) scratch(n int) *[]float64 {
	if p, ok := e.pool.Get().(*[]float64); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float64, n)
	return &s
}

// ParallelMinRows is the least number of rows each worker of a split cold
// job gets: below it, splitting costs more than it saves.
const ParallelMinRows = 8 * ChunkRows

// runParallelCold factors a Fresh job's rows in p contiguous shares on p
// goroutines, then merges the shares' factors into share 0's with Tpqrt.
// The merge of share i produces n transformed right-hand-side rows; with
// Tail they are written into share i's first n rows of B, which its own
// factorization left without tail, so B's rows n..K-1 end up holding a
// vector of squared norm RSS, as in the serial path.
func (e *Engine) runParallelCold(j *device.Job, p int) {
	n, nrhs := j.N, j.NRHS
	nc := n + nrhs
	src := &j.New
	parts := make([]*device.Job, p)
	for i := range parts {
		lo, hi := i*src.K/p, (i+1)*src.K/p
		sub := rowsView(src, lo, hi)
		parts[i] = &device.Job{N: n, NRHS: nrhs, Fresh: true, Tail: j.Tail, New: sub, RSS: make([]float64, nrhs)}
		if i == 0 {
			parts[i].T = j.T
		} else {
			parts[i].T = make([]float64, n*nc)
		}
	}
	var wg sync.WaitGroup
	for _, part := range parts {
		wg.Go(func() { protect(part, func() { e.absorb(part) }) })
	}
	wg.Wait()
	for _, part := range parts {
		if part.Info == device.InfoInternal {
			j.Info = device.InfoInternal
			return
		}
	}
	copy(j.RSS, parts[0].RSS)
	w := make([]float64, n*nc)
	for _, part := range parts[1:] {
		for r := range j.RSS {
			j.RSS[r] += part.RSS[r]
		}
		// W = the share's factor, column-major.
		for i := 0; i < n; i++ {
			for c := 0; c < nc; c++ {
				if c < i {
					w[i+c*n] = 0
				} else {
					w[i+c*n] = part.T[i*nc+c]
				}
			}
		}
		Tpqrt(n, nc, j.T, nc, n, w, n)
		var dst *device.Rows
		if j.Tail {
			dst = &part.New
		}
		absorbTail(w, n, 0, n, n, nrhs, j.RSS, dst, 0)
	}
	e.finish(j)
}

// rowsView returns rows lo..hi-1 of r as Rows of their own.
func rowsView(r *device.Rows, lo, hi int) device.Rows {
	v := device.Rows{K: hi - lo, ColMajor: r.ColMajor, LDA: r.LDA, LDB: r.LDB}
	if r.ColMajor {
		v.A = r.A[lo:]
		if r.B != nil {
			v.B = r.B[lo:]
		}
	} else {
		v.A = r.A[lo*r.LDA:]
		if r.B != nil {
			v.B = r.B[lo*r.LDB:]
		}
	}
	return v
}

// protect runs f for job j; a panic in f sets j.Info to
// device.InfoInternal instead of unwinding further: on a worker goroutine
// an unrecovered panic would abort the host process, which no caller (the C
// API's recover included) could catch.
func protect(j *device.Job, f func()) {
	defer func() {
		if r := recover(); r != nil {
			j.Info = device.InfoInternal
		}
	}()
	f()
}

// runSafe executes one job under protect.
func (e *Engine) runSafe(j *device.Job) { protect(j, func() { e.run(j) }) }

// injectFault, when set (by tests only), is called with every job (and
// every share of a split cold job) before its rows are absorbed; it may
// panic to simulate an internal failure.
var injectFault func(j *device.Job)

// run executes one job; see device.Job for the contract.
func (e *Engine) run(j *device.Job) {
	n, nrhs := j.N, j.NRHS
	nc := n + nrhs
	switch {
	case j.Downdate:
		if !Chdd(n, nrhs, j.T, nc, &j.New, j.RSS) {
			j.Info = device.InfoUnstable
			return
		}
	case j.All != nil:
		e.shifted(j)
		return
	default:
		e.absorb(j)
	}
	e.finish(j)
}

// shifted solves a shifted-target job (j.All) by the route its AllRoute or
// the cost model picks (route.go): a refit (refactor) where the model
// predicts even one correction to cost more — decided before any work, so
// that small models pay no condition estimate —, otherwise the new rows
// are absorbed and the estimate ρ̂ of the updated R (Contraction) decides
// between a refit and the corrected semi-normal equations (Csne), which
// reuse it. A refit ignores the absorbed rows: it factors All afresh.
func (e *Engine) shifted(j *device.Job) {
	n, nrhs := j.N, j.NRHS
	if autoRoute(j, 0) == device.RouteRefactor {
		e.refactor(j)
		return
	}
	e.absorb(j)
	if j.Info != 0 {
		return
	}
	svd := e.svd(j)
	rho := math.Inf(1) // R(i,i) exactly zero in dgels mode (j.Info = i)
	if j.Info == 0 {
		rho = Contraction(n, j.T, n+nrhs, svd)
	}
	if autoRoute(j, rho) == device.RouteRefactor {
		j.Info = 0
		e.refactor(j)
		return
	}
	if j.Info != 0 {
		return
	}
	j.AllMax, j.Info = Csne(n, nrhs, j.T, n+nrhs, j.All, j.Refine, svd, rho, j.X, max(nrhs, 1), j.RSS, j.AllBound, e.Workers)
}

// refactor solves a shifted-target job by factoring its All rows from
// scratch (device.RouteRefactor): T and RSS become those of All, and X the
// solution of R·X = Qᵀb (or the minimum-norm one), as a Fresh job with
// Solve gives. New's rows are not absorbed separately: All contains them.
func (e *Engine) refactor(j *device.Job) {
	n, nrhs := j.N, j.NRHS
	all := *j.All
	if j.AllBound > 0 {
		j.AllMax = maxAbsRows(&all, n)
		if !(j.AllMax <= j.AllBound) {
			j.Info = device.InfoRescan
			return
		}
	}
	clear(j.RSS)
	f := &device.Job{N: n, NRHS: nrhs, T: j.T, Fresh: true, New: all, RSS: j.RSS}
	if p := min(e.Workers, all.K/ParallelMinRows); p >= 2 {
		e.runParallelCold(f, p)
	} else {
		e.absorb(f)
	}
	if f.Info != 0 {
		j.Info = f.Info
		return
	}
	e.solve(j)
}

// maxAbsRows returns max |A| over the rows r (n columns; padding is not
// read), NaN if an entry is NaN.
func maxAbsRows(r *device.Rows, n int) (m float64) {
	switch {
	case r.ColMajor && r.LDA == r.K || !r.ColMajor && r.LDA == n:
		return MaxAbs(r.A[:r.K*n])
	case r.ColMajor:
		for j := 0; j < n; j++ {
			m = max(m, MaxAbs(r.A[j*r.LDA:j*r.LDA+r.K]))
		}
	default:
		for i := 0; i < r.K; i++ {
			m = max(m, MaxAbs(r.A[i*r.LDA:i*r.LDA+n]))
		}
	}
	return m
}

// finish runs the solve a job asks for after its factor is up to date:
// R·X = Qᵀb when Solve is set.
func (e *Engine) finish(j *device.Job) {
	if j.Solve {
		e.solve(j)
	}
}

// solve sets X to the solution of R·X = Qᵀb from T (or the minimum-norm
// solution with MinNorm), Info = i > 0 when R(i,i) is exactly zero.
func (e *Engine) solve(j *device.Job) {
	n, nrhs := j.N, j.NRHS
	nc := n + nrhs
	svd := e.svd(j)
	switch {
	case j.Info != 0:
	case svd != nil:
		svd.Solve(nrhs, j.T[n:], nc, j.X, max(nrhs, 1))
	default:
		j.Info = Trsm(n, nrhs, j.T, nc, j.X, max(nrhs, 1))
	}
}

// svd returns the SVD of R for a MinNorm job whose R is not certainly of
// full rank (FullRank) and sets Rank, or nil after checking R's diagonal
// (Rank = n, or Info = i and Rank = i − 1 at the first exact zero R(i,i)).
func (e *Engine) svd(j *device.Job) *SVD {
	n, nc := j.N, j.N+j.NRHS
	if j.MinNorm && !FullRank(n, j.T, nc, j.RCond) {
		svd := NewSVD(n, j.T, nc, j.RCond)
		j.Rank = svd.Rank
		return svd
	}
	// dgels mode, or the rank-revealing mode on a factor certainly of full
	// rank (whose minimum-norm solution is R⁻¹·Qᵀb).
	j.Rank = n
	for i := 0; i < n; i++ {
		if j.T[i*nc+i] == 0 {
			j.Info, j.Rank = i+1, i
			return nil
		}
	}
	return nil
}

// absorb adds the rows of j.New to j.T and j.RSS (factoring them from
// scratch when j.Fresh).
func (e *Engine) absorb(j *device.Job) {
	if injectFault != nil {
		injectFault(j)
	}
	n, nrhs := j.N, j.NRHS
	nc := n + nrhs
	src := &j.New
	chunk := chunkRows(nc)
	r0 := 0
	if j.Fresh {
		clear(j.T[:n*nc])
		k0 := min(src.K, max(n, chunk))
		ldw := ldFor(k0)
		p := e.scratch(ldw * nc)
		w := *p
		gather(src, 0, k0, n, nrhs, w, ldw)
		Geqr2(k0, n, nc, w, ldw)
		for i := 0; i < n; i++ {
			for c := i; c < nc; c++ {
				j.T[i*nc+c] = w[i+c*ldw]
			}
		}
		var dst *device.Rows
		if j.Tail {
			dst = src
		}
		absorbTail(w, ldw, n, k0, n, nrhs, j.RSS, dst, n)
		e.pool.Put(p)
		r0 = k0
	}
	if r0 < src.K {
		// Equal blocks (1 000 rows: two of 500, not 512 + 488; 1 100 rows:
		// three of 368, not 512 + 512 + 76, whose last block would run the
		// kernels on short columns).
		blocks := (src.K - r0 + chunk - 1) / chunk
		chunk = min(chunk, ((src.K-r0+blocks-1)/blocks+7)&^7)
		p := e.scratch((ldFor(chunk) + 64) * nc) // a shorter last block may pad more
		w := *p
		var dst *device.Rows
		if j.Fresh && j.Tail {
			dst = src
		}
		for ; r0 < src.K; r0 += chunk {
			kc := min(chunk, src.K-r0)
			ldw := ldFor(kc)
			gather(src, r0, kc, n, nrhs, w, ldw)
			Tpqrt(n, nc, j.T, nc, kc, w, ldw)
			absorbTail(w, ldw, 0, kc, n, nrhs, j.RSS, dst, r0)
		}
		e.pool.Put(p)
	}
}
