package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHistQuantiles: the histogram's quantiles are within its bucket
// resolution (1/16 of a power of two) of the exact sample quantiles.
func TestHistQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		draw func() time.Duration
	}{
		{"uniform", func() time.Duration { return time.Duration(1 + rng.IntN(10000)) }},
		{"lognormal", func() time.Duration { return time.Duration(100 * (1 + rng.ExpFloat64()*rng.ExpFloat64()*50)) }},
		{"tiny", func() time.Duration { return time.Duration(1 + rng.IntN(20)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h, a, b hist
			var xs []time.Duration
			for i := range 100000 {
				d := tc.draw()
				xs = append(xs, d)
				if i%2 == 0 {
					a.add(d)
				} else {
					b.add(d)
				}
			}
			h.merge(&a)
			h.merge(&b)
			slices.Sort(xs)
			for _, q := range []float64{0.5, 0.9, 0.99} {
				want := float64(xs[int(q*float64(len(xs)))-1])
				got := float64(h.quantile(q))
				require.InEpsilon(t, want, got, 0.07, "q=%g", q)
			}
			require.Equal(t, uint64(len(xs)), h.n)
		})
	}
	var empty hist
	require.Zero(t, empty.quantile(0.5))
}
