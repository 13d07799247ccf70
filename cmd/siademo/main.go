// Command siademo is libsia's main job on built-in synthetic data: it builds
// a learned-index model over string keys, inserts batches of new keys, and
// retrains the model after each batch twice — from scratch with ColdTrain on
// all rows (what an index linked to LAPACK's dgels does) and incrementally
// with IncreTrain on the new rows only — printing per round the rows, both
// times, the speed-up and how far apart the two models are. Each retrain is
// timed -reps times (default 5; cold and incremental interleaved, each
// incremental repetition on its own copy of the model, so every one does
// the same work) and reported as the median with its range [min–max]: one
// timing on a shared machine can be off by several times.
//
// Keys are fixed-length byte strings (feature vector: the bytes as numbers
// 0..255 plus a bias column); a key's target is its slot in a gapped array
// laid out for the final key set, so targets never move when keys arrive, as
// in ALEX or LIPP.
//
//	go run ./cmd/siademo [-keys 200000] [-rounds 10] [-batch 10000] [-keylen 32] [-reps 5]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libsia/sia/solver"
)

func main() {
	keys := flag.Int("keys", 200000, "keys in the initial model")
	rounds := flag.Int("rounds", 10, "insert-and-retrain rounds")
	batch := flag.Int("batch", 10000, "keys inserted per round")
	keyLen := flag.Int("keylen", 32, "key length in bytes (n = keylen+1)")
	seed := flag.Uint64("seed", 1, "random seed")
	reps := flag.Int("reps", 5, "timings of each retrain (the median and range are reported)")
	flag.Parse()
	if err := run(*keys, *rounds, *batch, *keyLen, *reps, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "siademo:", err)
		os.Exit(1)
	}
}

func run(m0, rounds, batch, keyLen, reps int, seed uint64) error {
	if m0 <= keyLen || rounds < 0 || batch < 1 || keyLen < 1 || reps < 1 {
		return fmt.Errorf("need keys > keylen ≥ 1, batch ≥ 1, rounds ≥ 0, reps ≥ 1")
	}
	rnd := rand.New(rand.NewPCG(seed, 0x51a))
	total := m0 + rounds*batch
	n := keyLen + 1
	a, b := synthKeys(rnd, total, keyLen)

	cold := solver.New() // the dgels-style baseline: refit everything
	incr := solver.New() // libsia's incremental path: model IDs 1 … reps, one per repetition
	fmt.Printf("libsia demo: %d initial keys of %d bytes (n = %d), %d rounds of %d inserts\n",
		m0, keyLen, n, rounds, batch)
	fmt.Printf("each retrain timed %d times, cold and incremental interleaved: median [min–max]\n\n", reps)
	// Round 0: cold-train the initial keys into every repetition's model.
	var t0s []time.Duration
	for id := int64(1); id <= int64(reps); id++ {
		_, t0, err := train(incr.ColdTrain, id, m0, n, a, b)
		if err != nil {
			return err
		}
		t0s = append(t0s, t0)
	}
	t0 := median(t0s)
	fmt.Printf("round 0: cold_train on %d rows: %s (%.2f GFLOP/s)\n\n", m0, spread(t0s),
		2*float64(m0)*float64(n*n)/t0.Seconds()/1e9)

	fmt.Printf("%5s %9s %7s  %-22s %-22s %-18s %14s %10s\n", "round", "rows", "new", "cold_train", "incre_train", "speedup", "max|x_c - x_i|", "rel diff")
	var sumCold, sumIncr time.Duration
	for r := 1; r <= rounds; r++ {
		lo, hi := m0+(r-1)*batch, m0+r*batch
		var tcs, tis []time.Duration
		var ratios []float64
		var xc, xi []float64
		for id := int64(1); id <= int64(reps); id++ {
			x, tc, err := train(cold.ColdTrain, -1, hi, n, a, b)
			if err != nil {
				return err
			}
			y, ti, err := train(incr.IncreTrain, id, hi-lo, n, a[lo*n:], b[lo:])
			if err != nil {
				return err
			}
			if id > 1 && (!slices.Equal(x, xc) || !slices.Equal(y, xi)) {
				return fmt.Errorf("round %d: repetition %d trained a different model", r, id)
			}
			xc, xi = x, y
			tcs, tis = append(tcs, tc), append(tis, ti)
			ratios = append(ratios, tc.Seconds()/ti.Seconds())
		}
		sumCold += median(tcs)
		sumIncr += median(tis)
		var maxAbs, d, s float64
		for j := range xc {
			maxAbs = max(maxAbs, math.Abs(xc[j]-xi[j]))
			d += (xc[j] - xi[j]) * (xc[j] - xi[j])
			s += xc[j] * xc[j]
		}
		slices.Sort(ratios)
		sp := fmt.Sprintf("%.1fx [%.1f–%.1f]", medianF(ratios), ratios[0], ratios[len(ratios)-1])
		fmt.Printf("%5d %9d %7d  %s %s %s %14.3g %10.3g\n", r, hi, hi-lo,
			pad(spread(tcs), 22), pad(spread(tis), 22), pad(sp, 18), maxAbs, math.Sqrt(d/s))
	}
	if rounds > 0 {
		fmt.Printf("\ntotal retraining time (sum of the medians): cold %sms, incremental %sms (%.1fx)\n",
			ms(sumCold), ms(sumIncr), sumCold.Seconds()/sumIncr.Seconds())
	}
	fmt.Printf("memo: %d model(s) (one per repetition), %d bytes\n", incr.Count(), incr.Store().Bytes())
	return nil
}

// median returns the median of ts (the mean of the middle two for an even
// count).
func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medianF is median for sorted float64s.
func medianF(s []float64) float64 {
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread formats timings as "median [min–max]" in milliseconds, three
// significant digits: "40.1ms [38.2–45.0]".
func spread(ts []time.Duration) string {
	s := slices.Clone(ts)
	slices.Sort(s)
	return fmt.Sprintf("%sms [%s–%s]", ms(median(s)), ms(s[0]), ms(s[len(s)-1]))
}

// ms formats d in milliseconds with three significant digits.
func ms(d time.Duration) string {
	v := d.Seconds() * 1e3
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// pad pads s with spaces to width runes.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(width-utf8.RuneCountInString(s), 0))
}

// trainFunc is the shape of solver.ColdTrain and solver.IncreTrain.
type trainFunc func(int64, solver.Layout, byte, int, int, int, []float64, int, []float64, int) error

// train calls fn on copies of the first m rows of a (row-major, n columns)
// and b, as a caller handing its rows to dgels would, and returns the
// solution (n values) and the time of the call alone (copies excluded: cold
// training may overwrite a).
func train(fn trainFunc, id int64, m, n int, a, b []float64) ([]float64, time.Duration, error) {
	ac := slices.Clone(a[:m*n])
	bc := make([]float64, max(m, n))
	copy(bc, b[:m])
	start := time.Now()
	err := fn(id, solver.RowMajor, 'N', m, n, 1, ac, n, bc, 1)
	return bc[:n], time.Since(start), err
}

// synthKeys returns m random keys of keyLen bytes in random (arrival) order,
// as rows [bytes..., 1] of a row-major m × (keyLen+1) matrix, and as targets
// their slots in a gapped array (gap factor 2) sized for all m keys: key of
// sorted rank r sits at slot 2r, so targets never change when keys arrive.
// Keys mimic URLs of a few hosts: a host byte from a small alphabet, then
// path bytes that are letters, digits and '/'.
func synthKeys(rnd *rand.Rand, m, keyLen int) (a, b []float64) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789/"
	keys := make([][]byte, m)
	for i := range keys {
		k := make([]byte, keyLen)
		for j := range k {
			if j < 2 {
				k[j] = "abcd"[rnd.IntN(4)]
			} else {
				k[j] = alphabet[rnd.IntN(len(alphabet))]
			}
		}
		keys[i] = k
	}
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return bytes.Compare(keys[x], keys[y]) })
	rank := make([]int, m)
	for r, i := range order {
		rank[i] = r
	}
	n := keyLen + 1
	a = make([]float64, m*n)
	b = make([]float64, m)
	for i, k := range keys {
		for j, c := range k {
			a[i*n+j] = float64(c)
		}
		a[i*n+keyLen] = 1
		b[i] = float64(2 * rank[i])
	}
	return a, b
}
