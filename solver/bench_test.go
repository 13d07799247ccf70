package solver_test

import (
	"strconv"
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

// BenchmarkCommonCase is the shape learned indexes call most (n = 33,
// row-major string-key bytes 0..255 with a bias column, targets up to 1e6):
// cold training of 1e6 rows and incremental training of k = 64, 1 000 and
// 10 000 new rows into a memo of 1e5 rows. The scaling and refusal checks
// must cost nothing measurable here (compare with the previous release's
// tree: go test -run '^$' -bench CommonCase -count 10 ./solver).
func BenchmarkCommonCase(b *testing.B) {
	const n = 33
	rows := func(m int, seed uint64) (a, y []float64) {
		a, y = make([]float64, m*n), make([]float64, m)
		s := seed
		for i := 0; i < m; i++ {
			for j := 0; j < n-1; j++ {
				s = s*6364136223846793005 + 1442695040888963407
				a[i*n+j] = float64(s >> 56)
			}
			a[i*n+n-1] = 1
			y[i] = float64(i)
		}
		return a, y
	}
	b.Run("cold_1e6x33", func(b *testing.B) {
		a, y := rows(1_000_000, 1)
		ac, yc := make([]float64, len(a)), make([]float64, len(y))
		sv := solver.New()
		b.SetBytes(int64(8 * len(a)))
		for range b.N {
			copy(ac, a)
			copy(yc, y)
			if err := sv.ColdTrain(-1, solver.RowMajor, 'N', len(y), n, 1, ac, n, yc, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, k := range []int{64, 1000, 10000} {
		b.Run("incre_k="+strconv.Itoa(k), func(b *testing.B) {
			sv := solver.New()
			a, y := rows(100_000, 2)
			if err := sv.ColdTrain(1, solver.RowMajor, 'N', len(y), n, 1, a, n, y, 1); err != nil {
				b.Fatal(err)
			}
			an, yn := rows(k, 3)
			yb := make([]float64, max(k, n))
			for range b.N {
				copy(yb, yn)
				if err := sv.IncreTrain(1, solver.RowMajor, 'N', k, n, 1, an, n, yb, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
