package cpu

import "github.com/libsia/sia/device"

// route decides how a shifted-target job (j.All) is solved: its AllRoute
// when set, otherwise RouteRefactor when refactoring all rows is predicted
// to cost no more than the corrected semi-normal equations (csneCost), so
// that a shifted retrain never costs more than the cold retrain it
// replaces.
func (e *Engine) route(j *device.Job) device.Route {
	if j.AllRoute != device.RouteAuto {
		return j.AllRoute
	}
	n, nc := j.N, j.N+j.NRHS
	// The factor before the new rows: close enough for an estimate.
	var svd *SVD
	if j.MinNorm && !FullRank(n, j.T, nc, j.RCond) { // κ over the rank, from its SVD
		svd = NewSVD(n, j.T, nc, j.RCond)
	}
	rho := Contraction(n, j.T, nc, svd)
	return routeFor(device.RouteAuto, n, j.All.K, j.New.K, rho)
}

// routeFor is route's decision for a job of n columns, m rows in all and k
// new ones, with contraction estimate rho.
func routeFor(r device.Route, n, m, k int, rho float64) device.Route {
	if r != device.RouteAuto {
		return r
	}
	if csneCost(n, m, k, rho) < 1 {
		return device.RouteCsne
	}
	return device.RouteRefactor
}

// csneCost predicts the time of a shifted solve by corrected semi-normal
// equations — absorbing k new rows into R, then Aᵀb and the correction
// passes over all m rows — as a fraction of factoring the m rows afresh
// (a cold retrain, which also reads every row once to check it).
//
// Absorbing a row costs what factoring one does (the same kernel: 2·n²
// flops), hence k/m. A pass pair (Aᵀb with the scan of A, one
// double-double correction) costs f(n) = 12/n + 0.32 of a factorization:
// fitted to incre_train_shifted forced onto this route against cold_train
// on 10⁴ and 10⁵ sorted string keys (k = m/100, both layouts, AVX-512
// kernel, a shared 2-vCPU machine: n = 13, 17, 21, 25, 33, 65, 129 measured
// 0.82–1.37, 0.74–1.01, 0.52–0.81, 0.48–0.86, 0.59–0.68, 0.44–0.60,
// 0.25–0.29 of cold), erring towards refactoring, so that the crossover
// lies at n ≈ 18. Each correction beyond the first costs another
// 0.65·f(n) (the correction is about two thirds of the pair); the number
// of corrections is predicted from ρ̂ (Contraction): one while ρ̂ ≤ 0.05
// (the first correction is then accepted by Csne's ρ̂ test on every model
// measured), two up to 0.25, three beyond.
func csneCost(n, m, k int, rho float64) float64 {
	f := 12/float64(n) + 0.32
	steps := 3.0
	switch {
	case rho <= 0.05:
		steps = 1
	case rho <= 0.25:
		steps = 2
	}
	return float64(k)/float64(max(m, 1)) + f*(1+0.65*(steps-1))
}
