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
	rho := 1.0
	if !j.MinNorm { // with MinNorm R may be singular: assume the worst
		rho = Contraction(n, j.T, nc, nil)
	}
	if csneCost(n, j.All.K, j.New.K, j.All.ColMajor, rho) < 1 {
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
// double-double correction) costs about a·n + b row-equivalents of a
// factorization's 2·n² flops: fitted to incre_train_shifted with every
// step forced onto this route against cold_train on 10⁵ sorted string keys
// (k = m/100, row-major, AVX-512 kernel; n = 5, 9, 13, 17, 25, 33, 65, 129
// measured 2.13, 1.17, 0.82, 0.87, 0.73, 0.64, 0.47, 0.29 of cold), giving
// f(n) = 9/n + 0.32 — the crossover lies at n ≈ 13. Column-major rows are
// transposed in blocks for the correction: 10 % more. Each correction
// beyond the first costs another 0.65·f(n); the number of corrections is
// predicted from ρ̂ (Contraction): one while ρ̂ ≤ 0.05 (the first
// correction is then accepted by Csne's ρ̂ test on every model measured),
// two up to 0.25, three beyond.
func csneCost(n, m, k int, colMajor bool, rho float64) float64 {
	f := 9/float64(n) + 0.32
	if colMajor {
		f *= 1.1
	}
	steps := 3.0
	switch {
	case rho <= 0.05:
		steps = 1
	case rho <= 0.25:
		steps = 2
	}
	return float64(k)/float64(max(m, 1)) + f*(1+0.65*(steps-1))
}
