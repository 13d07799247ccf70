package cpu

import (
	"math"

	"github.com/libsia/sia/device"
)

// autoRoute is the route of a shifted-target job (j.All): its AllRoute
// when set, otherwise RouteRefactor when refactoring all rows is predicted
// to cost no more than the corrected semi-normal equations (csneCost) with
// contraction estimate rho, so that a shifted retrain never costs more
// than the cold retrain it replaces. rho = 0 gives the decision that holds
// whatever the estimate: the cost of a single correction.
func autoRoute(j *device.Job, rho float64) device.Route {
	return routeFor(j.AllRoute, j.N, j.All.K, j.New.K, j.All.ColMajor, rho)
}

// routeFor is autoRoute's decision for a job of n columns, m rows in all and k
// new ones, in column-major order when colMajor, with contraction estimate
// rho.
func routeFor(r device.Route, n, m, k int, colMajor bool, rho float64) device.Route {
	if r != device.RouteAuto {
		return r
	}
	if csneCost(n, m, k, colMajor, rho) < 1 {
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
// flops), hence k/m, and the call's fixed work about csneFixed rows more. A pass pair (Aᵀb with the scan of A folded in, one
// double-double correction) costs f(n) of a factorization: 9/n + 0.26 on
// row-major rows, whose correction pays a reduction and a residual per row,
// and 3.5/n + 0.33 on column-major ones, whose correction runs down the
// columns. Both are fitted, erring towards refactoring, to
// incre_train_shifted forced onto this route against cold_train on 10⁵
// sorted string keys (k = m/100, AVX-512 kernel, a 2-vCPU machine;
// BenchmarkShiftedRoutes in solver, its output in bench/shifted/routes.txt):
// for n = 5, 9, 13, 17, 25, 33, 65 row-major 1.38, 1.25, 0.83, 0.75, 0.58,
// 0.52, 0.38 of cold, column-major 0.78, 0.66, 0.61, 0.55, 0.47, 0.50,
// 0.35. So the crossover lies at n ≈ 12 row-major and
// n ≈ 6 column-major. Each correction beyond the first costs another
// 0.65·f(n) (the correction is about two thirds of the pair); the number
// of corrections is predicted from ρ̂ (Contraction): one while ρ̂ ≤ 0.05
// (the first correction is then accepted by Csne's ρ̂ test on every model
// measured), two up to 0.25, three beyond — ρ̂ overestimates: the true
// contraction on the models measured was 10⁴–10⁶ times smaller (Csne), so
// corrections still converge at ρ̂ in the thousands (TestShiftedMatchesGels:
// κ = 1e9 at n = 17, ρ̂ ≈ 3e4). From ρ̂ = csneHopeless on even that margin
// leaves no contraction (there the test's models were refused, κ ≥ 1e10 at
// n = 17), the call would most likely refuse after its passes, and a refit,
// which never refuses for conditioning, is the cheaper answer: the cost is
// +Inf.
func csneCost(n, m, k int, colMajor bool, rho float64) float64 {
	f := 9/float64(n) + 0.26
	if colMajor {
		f = 3.5/float64(n) + 0.33
	}
	steps := 3.0
	switch {
	case rho <= 0.05:
		steps = 1
	case rho <= 0.25:
		steps = 2
	case !(rho < csneHopeless):
		return math.Inf(1)
	}
	return (float64(k)+csneFixed)/float64(max(m, 1)) + f*(1+0.65*(steps-1))
}

// csneHopeless is the contraction estimate ρ̂ from which csneCost sends a
// job to a refit (see there).
const csneHopeless = 1e6

// csneFixed is the corrected route's cost beyond its passes — the
// condition estimate, the solves, the scans' setup: all O(n²) or less per
// call, against a refit's O(m·n²) — in refits of one row: fitted to
// BenchmarkShiftedSmall (bench/shifted/small.txt: m = 180, 1 000 and
// 4 000, n = 14 and 17, where the forced route ran 0.02–0.4 above the
// passes' share), so that small models refit rather than pay it.
const csneFixed = 80
