package solver_test

import (
	"testing"

	"github.com/libsia/sia/solver"
)

// BenchmarkIncreTrainTiny is a tiny incremental call (n = 3, k = 1) in Go,
// without the cgo entry: argument checks, lock and lookup, unpack, update,
// solve, pack.
func BenchmarkIncreTrainTiny(b *testing.B) {
	sv := solver.New()
	a := []float64{1, 0, 0, 1, 1, 0, 1, 1, 1, 2, 3, 1}
	y := []float64{1, 2, 3, 4}
	if err := sv.ColdTrain(1, solver.RowMajor, 'N', 4, 3, 1, a, 3, y, 1); err != nil {
		b.Fatal(err)
	}
	row := []float64{1, 2, 1}
	t := make([]float64, 3)
	b.ResetTimer()
	for range b.N {
		t[0] = 1
		if err := sv.IncreTrain(1, solver.RowMajor, 'N', 1, 3, 1, row, 3, t, 1); err != nil {
			b.Fatal(err)
		}
	}
}
