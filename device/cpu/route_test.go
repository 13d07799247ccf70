package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/device"
)

// TestRoute: the cost model's choice for a shifted-target job — refactor
// narrow models, models with many new rows and ill-conditioned ones; the
// corrected semi-normal equations for wide, well-conditioned models with
// few new rows — and an AllRoute set by the caller wins.
func TestRoute(t *testing.T) {
	for _, c := range []struct {
		n, m, k int
		col     bool
		rho     float64
		route   device.Route
		want    device.Route
	}{
		{5, 100000, 100, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{9, 100000, 100, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{11, 100000, 1000, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{13, 100000, 1000, false, 1e-10, device.RouteAuto, device.RouteCsne},
		{17, 100000, 1000, false, 1e-10, device.RouteAuto, device.RouteCsne},
		{17, 100000, 30000, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{5, 100000, 100, true, 1e-10, device.RouteAuto, device.RouteRefactor},
		{7, 100000, 1000, true, 1e-10, device.RouteAuto, device.RouteCsne},
		{17, 100000, 1000, true, 1e-10, device.RouteAuto, device.RouteCsne},
		{33, 100000, 1000, false, 1e-10, device.RouteAuto, device.RouteCsne},
		{33, 100000, 10000, false, 1e-10, device.RouteAuto, device.RouteCsne},
		{33, 100000, 60000, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{33, 100000, 1000, false, 0.4, device.RouteAuto, device.RouteRefactor},
		{65, 100000, 1000, false, 0.1, device.RouteAuto, device.RouteCsne},
		{129, 100000, 1000, false, 0.4, device.RouteAuto, device.RouteCsne},
		{129, 100000, 1000, false, 1e5, device.RouteAuto, device.RouteCsne},
		{129, 100000, 1000, false, 1e6, device.RouteAuto, device.RouteRefactor},
		{129, 100000, 1000, false, math.Inf(1), device.RouteAuto, device.RouteRefactor},
		{129, 100000, 1000, false, math.NaN(), device.RouteAuto, device.RouteRefactor},
		{14, 180, 40, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{17, 180, 40, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{14, 1000, 64, false, 1e-10, device.RouteAuto, device.RouteRefactor},
		{17, 1000, 64, false, 1e-10, device.RouteAuto, device.RouteCsne},
		{14, 4000, 40, false, 1e-10, device.RouteAuto, device.RouteCsne},
		{5, 100000, 100, false, 1e-10, device.RouteCsne, device.RouteCsne},
		{129, 100000, 100, false, 1e-10, device.RouteRefactor, device.RouteRefactor},
	} {
		t.Run(fmt.Sprintf("n=%d/m=%d/k=%d/col=%v/rho=%g/%d", c.n, c.m, c.k, c.col, c.rho, c.route), func(t *testing.T) {
			got := routeFor(c.route, c.n, c.m, c.k, c.col, c.rho)
			require.Equal(t, c.want, got, "predicted cost %.2f", csneCost(c.n, c.m, c.k, c.col, c.rho))
		})
	}
}

// TestRouteLayout: a job's route reads the layout of its rows — at n = 7
// with 1 % new rows and a well-conditioned R, column-major rows take the
// corrected route and row-major ones the refit, also before the estimate
// (rho = 0) — and a route set by the caller wins.
func TestRouteLayout(t *testing.T) {
	for _, c := range []struct {
		col   bool
		route device.Route
		want  device.Route
	}{
		{true, device.RouteAuto, device.RouteCsne},
		{false, device.RouteAuto, device.RouteRefactor},
		{false, device.RouteCsne, device.RouteCsne},
		{true, device.RouteRefactor, device.RouteRefactor},
	} {
		j := &device.Job{N: 7, NRHS: 1, AllRoute: c.route, New: device.Rows{K: 1000}, All: &device.Rows{K: 100000, ColMajor: c.col}}
		for _, rho := range []float64{0, 1e-12} {
			require.Equal(t, c.want, autoRoute(j, rho), "col=%v route=%d rho=%g", c.col, c.route, rho)
		}
	}
}
