package solver_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/libsia/sia/memo"
	"github.com/libsia/sia/solver"
)

// The fuzz targets drive every training entry point with arbitrary
// arguments decoded from the fuzzer's bytes: layouts and trans values out
// of range, dimensions negative, zero, small and huge (products beyond int32
// and the extent limit), leading dimensions too small, slices shorter than
// their extents (as NULL or short C buffers arrive), NaN and ±Inf in the
// data, shapes that do not match the memo. Properties: no panic; a failing
// call leaves the memo bit-for-bit unchanged; a successful one leaves
// finite factors. Run for a bounded time in CI (make fuzz).

// reader decodes values from fuzz bytes, yielding zeros once exhausted.
type reader struct{ b []byte }

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// dim returns a dimension: mostly small, sometimes negative or huge.
func (r *reader) dim() int {
	c := r.byte()
	switch c % 16 {
	case 0:
		return -int(r.byte()%4) - 1
	case 1:
		return 1<<30 + int(r.byte())
	case 2:
		return math.MaxInt32
	default:
		return int(c>>4) + int(r.byte()%8)
	}
}

func (r *reader) float() float64 {
	switch c := r.byte(); c % 32 {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1 - 2*int(r.byte()%2))
	case 2:
		return 0
	default:
		var buf [2]byte
		buf[0], buf[1] = r.byte(), c
		return float64(int16(binary.LittleEndian.Uint16(buf[:]))) / 64
	}
}

// slice returns a slice of up to 512 values (possibly shorter than any
// extent the dims ask for).
func (r *reader) slice() []float64 {
	n := int(r.byte()) * 2
	if r.byte()%8 == 0 {
		return nil
	}
	s := make([]float64, n)
	for i := range s {
		s[i] = r.float()
	}
	return s
}

func (r *reader) layout() solver.Layout {
	switch r.byte() % 5 {
	case 0:
		return solver.ColMajor
	case 1:
		return solver.Layout(int(r.byte()) - 128)
	default:
		return solver.RowMajor
	}
}

func (r *reader) trans() byte { return "NTnt?C\x00"[r.byte()%7] }

// seeded returns a solver whose models 1 (n=3, nrhs=1) and 2 (n=4, nrhs=2)
// have memos, and snapshots of them.
func seeded(t *testing.T) (*solver.Solver, []*memo.Model) {
	sv := solver.New()
	if err := sv.SelectDevice("cpu"); err != nil {
		t.Fatal(err)
	}
	for id, shape := range [][2]int{1: {3, 1}, 2: {4, 2}} {
		if id == 0 {
			continue
		}
		n, nrhs := shape[0], shape[1]
		m := 3*n + 1
		a, b := make([]float64, m*n), make([]float64, m*nrhs)
		for i := range a {
			a[i] = math.Sin(float64(i*7 + id))
		}
		for i := range b {
			b[i] = math.Cos(float64(i))
		}
		if err := sv.ColdTrain(int64(id), solver.RowMajor, 'N', m, n, nrhs, a, n, b, nrhs); err != nil {
			t.Fatal(err)
		}
	}
	return sv, []*memo.Model{nil, sv.Memo(1), sv.Memo(2)}
}

// checkAfter verifies the fuzz properties for model id after a call.
func checkAfter(t *testing.T, sv *solver.Solver, before []*memo.Model, id int64, err error) {
	t.Helper()
	if id < 1 || id > 2 {
		return
	}
	if err != nil {
		requireSameMemo(t, before[id], sv.Memo(id))
		return
	}
	if m := sv.Memo(id); m != nil {
		for _, v := range append(append(append([]float64{}, m.R...), m.QTB...), m.RSS...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value in the memo after a successful call")
			}
		}
	}
}

func addSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{2, 1, 0x31, 3, 0x30, 2, 0x10, 1, 3, 0, 40, 1, 20, 1, 3, 1})
	f.Add([]byte{0, 0, 0x51, 0, 0x30, 0, 0x10, 0, 4, 2, 200, 3, 200, 3, 1, 2})
	f.Add([]byte{3, 1, 1, 7, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{4, 2, 0x21, 2, 0x41, 1, 0x11, 0, 0, 5, 90, 1, 90, 2, 2, 1, 0, 33})
}

// watchdog fails the fuzz input if the call it guards takes over 5 s: a
// hang is a bug like a crash.
func watchdog(t *testing.T, data []byte) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			panic(fmt.Sprintf("hang on input %q", data))
		}
	}()
	return func() { close(done) }
}

func FuzzColdTrain(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(t, data)()
		sv, before := seeded(t)
		r := &reader{data}
		id := int64(r.byte()%4) - 1
		layout, trans := r.layout(), r.trans()
		m, n, nrhs := r.dim(), r.dim(), r.dim()
		lda, ldb := r.dim(), r.dim()
		a, b := r.slice(), r.slice()
		err := sv.ColdTrain(id, layout, trans, m, n, nrhs, a, lda, b, ldb)
		checkAfter(t, sv, before, id, err)
	})
}

func FuzzIncreTrain(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(t, data)()
		sv, before := seeded(t)
		r := &reader{data}
		id := int64(r.byte()%4) - 1
		layout, trans := r.layout(), r.trans()
		m, n, nrhs := r.dim(), r.dim(), r.dim()
		lda, ldb := r.dim(), r.dim()
		a, b := r.slice(), r.slice()
		var err error
		if r.byte()%2 == 0 {
			err = sv.IncreTrain(id, layout, trans, m, n, nrhs, a, lda, b, ldb)
		} else {
			err = sv.DecreTrain(id, layout, trans, m, n, nrhs, a, lda, b, ldb)
		}
		checkAfter(t, sv, before, id, err)
	})
}

func FuzzIncreTrainShifted(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(t, data)()
		sv, before := seeded(t)
		r := &reader{data}
		id := int64(r.byte()%4) - 1
		layout := r.layout()
		k, n, nrhs := r.dim(), r.dim(), r.dim()
		aNew, ldaNew := r.slice(), r.dim()
		m := r.dim()
		a, lda, b, ldb := r.slice(), r.dim(), r.slice(), r.dim()
		err := sv.IncreTrainShifted(id, layout, k, n, nrhs, aNew, ldaNew, m, a, lda, b, ldb)
		checkAfter(t, sv, before, id, err)
	})
}

func FuzzMergeAndBatch(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(t, data)()
		sv, before := seeded(t)
		r := &reader{data}
		dst, a, b := int64(r.byte()%5)-1, int64(r.byte()%4), int64(r.byte()%4)
		err := sv.Merge(dst, a, b)
		checkAfter(t, sv, before, dst, err)
		if err != nil {
			checkAfter(t, sv, before, a, err)
			checkAfter(t, sv, before, b, err)
		}
		sv2, before2 := seeded(t)
		jobs := make([]solver.BatchJob, int(r.byte()%4))
		for i := range jobs {
			jobs[i] = solver.BatchJob{ID: int64(r.byte()%4) - 1, Layout: r.layout(), M: r.dim(), N: r.dim(), NRHS: r.dim(),
				A: r.slice(), LDA: r.dim(), B: r.slice(), LDB: r.dim()}
		}
		failed := sv2.TrainBatch(jobs)
		n := 0
		for i := range jobs {
			if jobs[i].Err != nil {
				n++
				// A failed job must leave its model alone when no other
				// job of the batch touched it.
				alone := true
				for q := range jobs {
					if q != i && jobs[q].ID == jobs[i].ID {
						alone = false
					}
				}
				if alone {
					checkAfter(t, sv2, before2, jobs[i].ID, jobs[i].Err)
				}
			}
		}
		if failed != n {
			t.Fatalf("TrainBatch returned %d, %d jobs have errors", failed, n)
		}
	})
}
