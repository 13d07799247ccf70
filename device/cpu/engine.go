// Package cpu is libsia's CPU training engine: the Householder kernels in
// pure Go (one routine per file, the math in its doc comment) and an Engine
// that runs a batch of jobs on a configurable number of worker goroutines.
package cpu

import (
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
}

// Name returns "cpu".
func (e *Engine) Name() string { return "cpu" }

// Run trains every job of the batch, on at most Workers goroutines.
func (e *Engine) Run(jobs []*device.Job) {
	workers := min(max(e.Workers, 1), len(jobs))
	if workers <= 1 {
		for _, j := range jobs {
			e.run(j)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan *device.Job)
	for range workers {
		wg.Go(func() {
			for j := range next {
				e.run(j)
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
}

// ChunkRows is the number of new rows the engine gathers into one
// column-major block before running Tpqrt on it, for a factor with nc =
// n+nrhs columns: as many as keep the block within about 32 KiB (the L1 data
// cache), between 16 and 256.
func ChunkRows(nc int) int {
	return min(256, max(16, 32768/(8*max(nc, 1))))
}

func (e *Engine) scratch(n int) *[]float64 {
	if p, ok := e.pool.Get().(*[]float64); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float64, n)
	return &s
}

// run executes one job; see device.Job for the contract.
func (e *Engine) run(j *device.Job) {
	n, nrhs := j.N, j.NRHS
	nc := n + nrhs
	if j.Downdate {
		if !Chdd(n, nrhs, j.T, nc, &j.New, j.RSS) {
			j.Info = device.InfoUnstable
			return
		}
	} else {
		e.absorb(j)
	}
	var svd *SVD
	if j.MinNorm && (j.Solve || j.All != nil) {
		svd = NewSVD(n, j.T, nc, j.RCond)
		j.Rank = svd.Rank
	} else if j.Solve || j.All != nil {
		j.Rank = n
		for i := 0; i < n; i++ {
			if j.T[i*nc+i] == 0 {
				j.Info, j.Rank = i+1, i
				return
			}
		}
	}
	switch {
	case j.All != nil:
		Csne(n, nrhs, j.T, nc, j.All, j.Refine, svd, j.X, max(nrhs, 1), j.RSS)
	case j.Solve && svd != nil:
		svd.Solve(nrhs, j.T[n:], nc, j.X, max(nrhs, 1))
	case j.Solve:
		j.Info = Trsm(n, nrhs, j.T, nc, j.X, max(nrhs, 1))
	}
}

// absorb adds the rows of j.New to j.T and j.RSS (factoring them from
// scratch when j.Fresh).
func (e *Engine) absorb(j *device.Job) {
	n, nrhs := j.N, j.NRHS
	nc := n + nrhs
	src := &j.New
	chunk := ChunkRows(nc)
	r0 := 0
	if j.Fresh {
		clear(j.T[:n*nc])
		k0 := min(src.K, max(n, chunk))
		p := e.scratch(k0 * nc)
		w := *p
		gather(src, 0, k0, n, nrhs, w, k0)
		Geqr2(k0, n, nc, w, k0)
		for i := 0; i < n; i++ {
			for c := i; c < nc; c++ {
				j.T[i*nc+c] = w[i+c*k0]
			}
		}
		var dst *device.Rows
		if j.Tail {
			dst = src
		}
		absorbTail(w, k0, n, k0, n, nrhs, j.RSS, dst, n)
		e.pool.Put(p)
		r0 = k0
	}
	if r0 < src.K {
		p := e.scratch(chunk * nc)
		w := *p
		var dst *device.Rows
		if j.Fresh && j.Tail {
			dst = src
		}
		for ; r0 < src.K; r0 += chunk {
			kc := min(chunk, src.K-r0)
			gather(src, r0, kc, n, nrhs, w, kc)
			Tpqrt(n, nc, j.T, nc, kc, w, kc)
			absorbTail(w, kc, 0, kc, n, nrhs, j.RSS, dst, r0)
		}
		e.pool.Put(p)
	}
}
