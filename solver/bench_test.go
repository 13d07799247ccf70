package solver_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/libsia/sia/device"
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
// string-key bytes 0..255 with a bias column, targets up to 1e6), in both
// layouts (row-major is what indexes pass): cold training of 1e6 rows and
// incremental training of k = 64, 1 000 and 10 000 new rows into a memo of
// 1e5 rows. Row-major should be within a few percent of column-major, and
// the scaling and refusal checks must cost nothing measurable (compare with
// an earlier tree: go test -run '^$' -bench CommonCase -count 10 ./solver).
func BenchmarkCommonCase(b *testing.B) {
	const n = 33
	// rows returns m rows in layout (leading dimensions n / m) and targets.
	rows := func(m int, seed uint64, layout solver.Layout) (a, y []float64, lda int) {
		a, y = make([]float64, m*n), make([]float64, m)
		s := seed
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				v := 1.0
				if j < n-1 {
					s = s*6364136223846793005 + 1442695040888963407
					v = float64(s >> 56)
				}
				if layout == solver.RowMajor {
					a[i*n+j] = v
				} else {
					a[i+j*m] = v
				}
			}
			y[i] = float64(i)
		}
		if layout == solver.RowMajor {
			return a, y, n
		}
		return a, y, m
	}
	for _, layout := range []solver.Layout{solver.RowMajor, solver.ColMajor} {
		name := map[solver.Layout]string{solver.RowMajor: "row", solver.ColMajor: "col"}[layout]
		b.Run("cold_1e6x33/"+name, func(b *testing.B) {
			a, y, lda := rows(1_000_000, 1, layout)
			ac, yc := make([]float64, len(a)), make([]float64, len(y))
			sv := solver.New()
			b.SetBytes(int64(8 * len(a)))
			b.ResetTimer()
			for range b.N {
				copy(ac, a)
				copy(yc, y)
				if err := sv.ColdTrain(-1, layout, 'N', len(y), n, 1, ac, lda, yc, ldb(layout, len(yc))); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, k := range []int{64, 1000, 10000} {
			b.Run("incre_k="+strconv.Itoa(k)+"/"+name, func(b *testing.B) {
				sv := solver.New()
				a, y, lda := rows(100_000, 2, layout)
				if err := sv.ColdTrain(1, layout, 'N', len(y), n, 1, a, lda, y, ldb(layout, len(y))); err != nil {
					b.Fatal(err)
				}
				an, yn, ldan := rows(k, 3, layout)
				yb := make([]float64, max(k, n))
				b.ResetTimer()
				for range b.N {
					copy(yb, yn)
					if err := sv.IncreTrain(1, layout, 'N', k, n, 1, an, ldan, yb, ldb(layout, len(yb))); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// ldb is the leading dimension of a one-column b of the given rows.
func ldb(layout solver.Layout, rows int) int {
	if layout == solver.RowMajor {
		return 1
	}
	return rows
}

// BenchmarkGelsVsGonum compares the dgels cases libsia solves on its own QR
// (trans 'T', m < n) with gonum's Dgels on the same row-major data, side
// by side (sub-benchmarks libsia and gonum per shape). `make figures`
// records it in bench/gels-vs-gonum.txt.
func BenchmarkGelsVsGonum(b *testing.B) {
	for _, c := range []struct {
		trans byte
		m, n  int
	}{{'T', 2000, 33}, {'T', 20, 33}, {'N', 20, 33}, {'T', 200, 97}} {
		mn := max(c.m, c.n)
		rnd := rand.New(rand.NewPCG(uint64(c.m), uint64(c.n)))
		a0 := make([]float64, c.m*c.n)
		b0 := make([]float64, mn)
		for i := range a0 {
			a0[i] = rnd.Float64()*255 + 1
		}
		for i := range b0 {
			b0[i] = float64(i)
		}
		a, y := make([]float64, len(a0)), make([]float64, len(b0))
		name := fmt.Sprintf("trans=%c,m=%d,n=%d", c.trans, c.m, c.n)
		b.Run(name+"/libsia", func(b *testing.B) {
			sv := solver.New()
			for range b.N {
				copy(a, a0)
				copy(y, b0)
				if err := sv.ColdTrain(-1, solver.RowMajor, c.trans, c.m, c.n, 1, a, c.n, y, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/gonum", func(b *testing.B) {
			var impl gonum.Implementation
			tr := blas.NoTrans
			if c.trans == 'T' {
				tr = blas.Trans
			}
			var q [1]float64
			impl.Dgels(tr, c.m, c.n, 1, a, c.n, y, 1, q[:], -1)
			work := make([]float64, int(q[0]))
			for range b.N {
				copy(a, a0)
				copy(y, b0)
				if !impl.Dgels(tr, c.m, c.n, 1, a, c.n, y, 1, work, len(work)) {
					b.Fatal("gonum: singular")
				}
			}
		})
	}
}

// BenchmarkPass is a retraining pass as an index runs it: 2 000 models
// (n = 33, row-major, k = 64 new rows each: 34 MB of rows, more than the
// caches) through one TrainBatch on 1 and 2 workers, against the same pass
// as a loop of IncreTrain. The batch should be no slower than the loop on
// one worker (ctest/bench.c times 10 000 models against a loop of
// LAPACKE_dtpqrt + dtrsv).
func BenchmarkPass(b *testing.B) {
	const models, n, k = 2000, 33, 64
	rnd := rand.New(rand.NewPCG(3, 3))
	a := make([]float64, models*k*n)
	y := make([]float64, models*k)
	for i := range a {
		a[i] = float64(rnd.IntN(256))
	}
	for i := range y {
		y[i] = float64(i)
	}
	for _, c := range []struct {
		batch   bool
		threads int
	}{{true, 1}, {false, 1}, {true, 2}} {
		batch := c.batch
		b.Run(fmt.Sprintf("batch=%v/threads=%d", batch, c.threads), func(b *testing.B) {
			sv := solver.New()
			sv.SetThreads(c.threads)
			for q := range models {
				if err := sv.ColdTrain(int64(q), solver.RowMajor, 'N', k, n, 1, append([]float64(nil), a[q*k*n:(q+1)*k*n]...), n, append([]float64(nil), y[q*k:(q+1)*k]...), 1); err != nil {
					b.Fatal(err)
				}
			}
			t := make([]float64, len(y))
			jobs := make([]solver.BatchJob, models)
			b.ResetTimer()
			for range b.N {
				copy(t, y)
				if batch {
					for q := range jobs {
						jobs[q] = solver.BatchJob{ID: int64(q), Layout: solver.RowMajor, M: k, N: n, NRHS: 1, A: a[q*k*n : (q+1)*k*n], LDA: n, B: t[q*k : (q+1)*k], LDB: 1}
					}
					if failed := sv.TrainBatch(jobs); failed != 0 {
						b.Fatal(jobs[0].Err)
					}
					continue
				}
				for q := range models {
					if err := sv.IncreTrain(int64(q), solver.RowMajor, 'N', k, n, 1, a[q*k*n:(q+1)*k*n], n, t[q*k:(q+1)*k], 1); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*models)*1e6, "µs/job")
		})
	}
}

// BenchmarkShiftedRoutes measures the two routes of IncreTrainShifted, each
// forced, against ColdTrain on the same rows in the same iteration — the
// data behind the CPU engine's cost model (device/cpu/route.go): 10⁵ sorted
// string keys of n−1 bytes (3-byte prefixes from 64, then random bytes)
// plus a bias column, targets = positions, k = m/100 of them new and
// spread evenly, both layouts. Each iteration rebuilds the memo of the old
// rows at their old positions and copies the rows afresh (untimed), then
// times ColdTrain and the shifted call; the metric ratio is their time
// summed over iterations, shifted / cold:
//
//	go test -run '^$' -bench ShiftedRoutes -benchtime 20x ./solver
func BenchmarkShiftedRoutes(b *testing.B) {
	const m, k = 100000, 1000
	for _, n := range []int{5, 9, 13, 17, 25, 33, 65} {
		for _, layout := range []solver.Layout{solver.RowMajor, solver.ColMajor} {
			c := newShiftedBench(m, n, k, layout)
			for _, route := range []device.Route{device.RouteCsne, device.RouteRefactor} {
				name := fmt.Sprintf("n=%d/%s/%s", n, map[solver.Layout]string{solver.RowMajor: "row", solver.ColMajor: "col"}[layout],
					map[device.Route]string{device.RouteCsne: "csne", device.RouteRefactor: "refactor"}[route])
				b.Run(name, func(b *testing.B) {
					sv := solver.New(solver.WithShiftedRoute(route))
					var cold, shifted time.Duration
					for range b.N {
						cold += c.timeCold(b, sv, -1)
						shifted += c.timeShifted(b, sv)
					}
					b.ReportMetric(float64(shifted)/float64(cold), "ratio")
					b.ReportMetric(float64(cold.Nanoseconds())/float64(b.N*m), "cold-ns/row")
				})
			}
		}
	}
}

// BenchmarkShiftedSmall is BenchmarkShiftedRoutes on the models of a
// learned index's nodes (ALEX-sized: m = 180–4 000 row-major rows, n = 14
// and 17, a few dozen new keys), where the fixed costs of a call weigh:
// the auto route (the cost model's choice) and each route forced, against
// ColdTrain without a memo (ratio) and with one (ratio-memo: what an
// index that keeps memos pays for a refit):
//
//	go test -run '^$' -bench ShiftedSmall -benchtime 300x ./solver
func BenchmarkShiftedSmall(b *testing.B) {
	for _, mk := range [][2]int{{180, 40}, {1000, 64}, {4000, 40}} {
		for _, n := range []int{14, 17} {
			c := newShiftedBench(mk[0], n, mk[1], solver.RowMajor)
			for _, route := range []device.Route{device.RouteAuto, device.RouteCsne, device.RouteRefactor} {
				name := fmt.Sprintf("m=%d/k=%d/n=%d/%s", mk[0], mk[1], n,
					map[device.Route]string{device.RouteAuto: "auto", device.RouteCsne: "csne", device.RouteRefactor: "refactor"}[route])
				b.Run(name, func(b *testing.B) {
					sv := solver.New(solver.WithShiftedRoute(route))
					var cold, coldMemo, shifted time.Duration
					for range b.N {
						cold += c.timeCold(b, sv, -1)
						coldMemo += c.timeCold(b, sv, 2)
						shifted += c.timeShifted(b, sv)
					}
					b.ReportMetric(float64(shifted)/float64(cold), "ratio")
					b.ReportMetric(float64(shifted)/float64(coldMemo), "ratio-memo")
				})
			}
		}
	}
}

// shiftedBench is BenchmarkShiftedRoutes's data in one layout: all m rows
// (A, B), the k new rows (an) and the old ones at their old positions (ao,
// bo), and a working copy (a, y).
type shiftedBench struct {
	m, n, k          int
	layout           solver.Layout
	A, B, an, ao, bo []float64
	a, y             []float64
	lda, ldan, ldao  int
	ldb, ldbo        int
}

func newShiftedBench(m, n, k int, layout solver.Layout) *shiftedBench {
	rnd := rand.New(rand.NewPCG(7, uint64(n)))
	var pre [64][3]byte
	for i := range pre {
		for j := range pre[i] {
			pre[i][j] = byte(97 + rnd.IntN(26))
		}
	}
	keys := make([][]byte, m)
	for i := range keys {
		key := make([]byte, n-1)
		copy(key, pre[rnd.IntN(64)][:])
		for j := 3; j < n-1; j++ {
			key[j] = byte(rnd.IntN(256))
		}
		keys[i] = key
	}
	slices.SortFunc(keys, bytes.Compare)
	c := &shiftedBench{m: m, n: n, k: k, layout: layout, B: make([]float64, m), a: make([]float64, m*n), y: make([]float64, m)}
	var rowsAll, rowsNew, rowsOld []float64
	for i, key := range keys {
		row := append(bytesToFloats(key), 1)
		rowsAll = append(rowsAll, row...)
		c.B[i] = float64(i)
		if (i+1)*k/m > i*k/m {
			rowsNew = append(rowsNew, row...)
		} else {
			rowsOld = append(rowsOld, row...)
			c.bo = append(c.bo, float64(len(c.bo)))
		}
	}
	c.A, c.an, c.ao = rowsAll, rowsNew, rowsOld
	c.lda, c.ldan, c.ldao, c.ldb, c.ldbo = n, n, n, 1, 1
	if layout == solver.ColMajor {
		c.A, c.an, c.ao = colMajor(rowsAll, m, n), colMajor(rowsNew, k, n), colMajor(rowsOld, m-k, n)
		c.lda, c.ldan, c.ldao, c.ldb, c.ldbo = m, k, m-k, m, m-k
	}
	return c
}

func bytesToFloats(p []byte) []float64 {
	f := make([]float64, len(p))
	for i, v := range p {
		f[i] = float64(v)
	}
	return f
}

// colMajor returns the m × n row-major a in column-major order.
func colMajor(a []float64, m, n int) []float64 {
	c := make([]float64, m*n)
	for i := range m {
		for j := range n {
			c[i+j*m] = a[i*n+j]
		}
	}
	return c
}

// timeCold times ColdTrain of model id (−1: no memo) on a fresh copy of
// every row.
func (c *shiftedBench) timeCold(b *testing.B, sv *solver.Solver, id int64) time.Duration {
	copy(c.a, c.A)
	copy(c.y, c.B)
	t0 := time.Now()
	if err := sv.ColdTrain(id, c.layout, 'N', c.m, c.n, 1, c.a, c.lda, c.y, c.ldb); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// timeShifted builds the memo of the old rows (untimed) and times
// IncreTrainShifted on a fresh copy of every row at its new position.
func (c *shiftedBench) timeShifted(b *testing.B, sv *solver.Solver) time.Duration {
	mo := c.m - c.k
	copy(c.a, c.ao)
	copy(c.y, c.bo)
	if err := sv.ColdTrain(1, c.layout, 'N', mo, c.n, 1, c.a, c.ldao, c.y, c.ldbo); err != nil {
		b.Fatal(err)
	}
	copy(c.a, c.A)
	copy(c.y, c.B)
	t0 := time.Now()
	if err := sv.IncreTrainShifted(1, c.layout, c.k, c.n, 1, c.an, c.ldan, c.m, c.a, c.lda, c.y, c.ldb); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}
