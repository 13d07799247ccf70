package aidel

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/index/keys"
)

// ref is the model the index is tested against: a plain sorted map.
type ref map[string]int

func (r ref) sorted() []string {
	ks := make([]string, 0, len(r))
	for k := range r {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// small makes LPA, retraining and splitting happen often on small inputs.
func small(mode TrainMode) Config {
	return Config{FeatureBytes: 8, Threshold: 4, LearningStep: 24, LearningRate: 0.25,
		MinRetrain: 6, RetrainFraction: 0.05, MaxList: 8, Mode: mode}
}

// agree checks that ix holds exactly r: every key found with its value,
// absent keys not found, full and partial scans equal to r's order.
func agree(t *testing.T, ix *Index[int], r ref, rng *rand.Rand, absent [][]byte) {
	t.Helper()
	require.NoError(t, ix.check())
	require.Equal(t, len(r), ix.Len())
	for k, v := range r {
		got, ok := ix.Get([]byte(k))
		require.True(t, ok, "key %q not found", k)
		require.Equal(t, v, got, "key %q", k)
	}
	for _, k := range absent {
		if _, in := r[string(k)]; !in {
			_, ok := ix.Get(k)
			require.False(t, ok, "absent key %q found", k)
		}
	}
	want := r.sorted()
	var got []string
	ix.Range(nil, func(k []byte, v int) bool {
		require.Equal(t, r[string(k)], v)
		got = append(got, string(k))
		return true
	})
	require.Equal(t, want, got, "full scan")
	for range 20 {
		from := absent[rng.IntN(len(absent))]
		if len(want) > 0 && rng.IntN(2) == 0 {
			from = []byte(want[rng.IntN(len(want))])
		}
		limit := 1 + rng.IntN(150)
		i, _ := slices.BinarySearch(want, string(from))
		exp := want[i:min(len(want), i+limit)]
		var seen []string
		ix.Range(from, func(k []byte, _ int) bool {
			seen = append(seen, string(k))
			return len(seen) < limit
		})
		if len(exp) == 0 {
			exp = nil
		}
		require.Equal(t, exp, seen, "scan from %q limit %d", from, limit)
	}
}

// TestModelBased runs random Put/Delete/Get/Range sequences against a
// sorted map on every key family and both training modes, checking the
// whole index (and its invariants, error bounds included) after every
// retrain pass.
func TestModelBased(t *testing.T) {
	for _, fam := range keys.Families {
		for _, mode := range []TrainMode{Incremental, FullRefit, Shifted} {
			t.Run(fmt.Sprintf("%s/%s", fam, mode), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(uint64(len(fam)), uint64(mode)+7))
				all, err := keys.Distinct(fam, 16, 3000, uint64(len(fam))*31)
				require.NoError(t, err)
				ix, err := New[int](small(mode))
				require.NoError(t, err)
				r := ref{}
				load := keys.Sorted(all[:1000])
				vals := make([]int, len(load))
				for i, k := range load {
					vals[i] = i
					r[string(k)] = i
				}
				require.NoError(t, ix.BulkLoad(load, vals))
				agree(t, ix, r, rng, all[2500:])
				next := 1000
				for round := range 12 {
					for range 150 {
						switch op := rng.IntN(10); {
						case op < 6 && next < 2500: // insert a new key
							k := all[next]
							next++
							assert.True(t, ix.Put(k, next))
							r[string(k)] = next
						case op < 8: // update or re-insert an old key
							k := all[rng.IntN(next)]
							_, had := r[string(k)]
							assert.Equal(t, !had, ix.Put(k, -round))
							r[string(k)] = -round
						default: // delete
							k := all[rng.IntN(next)]
							_, had := r[string(k)]
							assert.Equal(t, had, ix.Delete(k))
							delete(r, string(k))
						}
					}
					retrain(t, ix, false)
					agree(t, ix, r, rng, all[2500:])
				}
				st := ix.Stats()
				assert.Positive(t, st.Retrains)
				assert.Zero(t, st.Queued)
				if mode == FullRefit {
					assert.Equal(t, st.Retrains, st.ColdTrains)
				}
				t.Logf("%s/%s: %d models, %d retrains (%d cold, %d exact passes, %d splits), max error %.1f",
					fam, mode, st.Models, st.Retrains, st.ColdTrains, st.ExactPasses, st.Splits, st.MaxErr)
			})
		}
	}
}

// TestEmptyIndex starts from nothing: inserts into the single empty model
// make it train cold, then split.
func TestEmptyIndex(t *testing.T) {
	ix, err := New[int](small(Incremental))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	_, ok := ix.Get([]byte("x"))
	assert.False(t, ok)
	assert.False(t, ix.Delete([]byte("x")))
	ix.Range(nil, func([]byte, int) bool { t.Fatal("scan of an empty index"); return false })
	r := ref{}
	all, err := keys.Distinct(keys.UserID, 12, 600, 5)
	require.NoError(t, err)
	all = append(all, []byte{}) // the empty key is a key
	for i, k := range all {
		ix.Put(k, i)
		r[string(k)] = i
		if i%50 == 0 {
			retrain(t, ix, false)
		}
	}
	retrain(t, ix, false)
	agree(t, ix, r, rng, [][]byte{[]byte("zzz"), {0}})
	assert.Greater(t, ix.Stats().Models, 1)
}

// TestLPABound: after BulkLoad every model's exact error is within
// Threshold (LPA's guarantee), for several thresholds and families.
func TestLPABound(t *testing.T) {
	for _, tc := range []struct {
		fam keys.Family
		n   int
		thr float64
	}{
		{keys.Random, 16, 8}, {keys.Random, 32, 32}, {keys.Prefix, 24, 16},
		{keys.URL, 40, 32}, {keys.UserID, 12, 4},
	} {
		t.Run(fmt.Sprintf("%s-%d-thr%g", tc.fam, tc.n, tc.thr), func(t *testing.T) {
			all, err := keys.Distinct(tc.fam, tc.n, 20000, 11)
			require.NoError(t, err)
			ix, err := New[int](Config{FeatureBytes: tc.n, Threshold: tc.thr})
			require.NoError(t, err)
			require.NoError(t, ix.BulkLoad(keys.Sorted(all), nil))
			require.NoError(t, ix.check())
			fs := ix.fs.Load()
			for _, m := range fs.models {
				f := m.fit
				exact(&f, m.ents, m.pos)
				require.LessOrEqual(t, f.errBound(), tc.thr)
				require.LessOrEqual(t, m.fit.errBound(), tc.thr)
			}
			t.Logf("%d keys → %d models (%.0f keys/model)", len(all), len(fs.models),
				float64(len(all))/float64(len(fs.models)))
			assert.Less(t, len(fs.models), len(all)/8, "LPA should cover many keys per model")
		})
	}
}

// TestWidenBound: for random weight changes and rows in the box and ball
// the constants describe, |aᵀΔw| never exceeds widen's δ, and δ is the
// maximum over the box whenever the box bound is the smaller one (the
// corner row attains it).
func TestWidenBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := 2 + rng.IntN(40)
		colMin := make([]float64, n)
		colMax := make([]float64, n)
		for j := range n - 1 {
			colMin[j] = float64(rng.IntN(256))
			colMax[j] = colMin[j] + float64(rng.IntN(256-int(colMin[j])))
		}
		colMin[n-1], colMax[n-1] = 1, 1
		dw := make([]float64, n)
		for j := range dw {
			dw[j] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-6))
		}
		rows := make([][]float64, 50)
		var maxNorm float64
		for i := range rows {
			a := make([]float64, n)
			var s float64
			for j := range a {
				a[j] = colMin[j] + math.Floor(rng.Float64()*(colMax[j]-colMin[j]+1))
				a[j] = min(a[j], colMax[j])
				s += a[j] * a[j]
			}
			rows[i] = a
			maxNorm = max(maxNorm, math.Sqrt(s))
		}
		d := widen(dw, maxNorm, colMin, colMax)
		dot := func(a []float64) float64 {
			var p float64
			for j := range a {
				p += a[j] * dw[j]
			}
			return p
		}
		for _, a := range rows {
			require.LessOrEqual(t, math.Abs(dot(a)), d, "trial %d", trial)
		}
		// The box's corners: the largest |aᵀΔw| over the box.
		hi, lo := make([]float64, n), make([]float64, n)
		for j := range dw {
			hi[j], lo[j] = colMax[j], colMin[j]
			if dw[j] < 0 {
				hi[j], lo[j] = colMin[j], colMax[j]
			}
		}
		box := max(math.Abs(dot(hi)), math.Abs(dot(lo)))
		var n2 float64
		for _, x := range dw {
			n2 += x * x
		}
		require.InDelta(t, min(box, math.Sqrt(n2)*maxNorm), d, 1e-9*d+1e-300, "trial %d", trial)
	}
}

// TestIncrementalEqualsFullRefit: the same inserts and deletes absorbed
// incrementally (IncreTrain, DecreTrain) give the model a full refit of
// the same rows gives, to rounding: the SIA claim, end to end.
func TestIncrementalEqualsFullRefit(t *testing.T) {
	all, err := keys.Distinct(keys.UserID, 12, 6000, 9)
	require.NoError(t, err)
	mk := func(mode TrainMode) *Index[int] {
		// One big model: no splits, so both indexes keep the same structure.
		ix, err := New[int](Config{FeatureBytes: 12, Threshold: 1e9, LearningStep: 4000, Mode: mode})
		require.NoError(t, err)
		require.NoError(t, ix.BulkLoad(keys.Sorted(all[:4000]), nil))
		return ix
	}
	inc, full := mk(Incremental), mk(FullRefit)
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 10 {
		for range 100 {
			k := all[4000+rng.IntN(2000)]
			inc.Put(k, round)
			full.Put(k, round)
			d := all[rng.IntN(4000)]
			inc.Delete(d)
			full.Delete(d)
		}
		retrain(t, inc, false)
		retrain(t, full, false)
		mi, mf := inc.fs.Load().models[0], full.fs.Load().models[0]
		require.Equal(t, mf.pos, mi.pos)
		for j := range mi.fit.w {
			require.InDelta(t, mf.fit.w[j], mi.fit.w[j], 1e-7*(1+math.Abs(mf.fit.w[j])), "round %d w[%d]", round, j)
		}
		// The widened bound contains the exact one.
		assert.LessOrEqual(t, mi.fit.minErr, mf.fit.minErr+1e-9)
		assert.GreaterOrEqual(t, mi.fit.maxErr, mf.fit.maxErr-1e-9)
	}
	assert.Zero(t, inc.Stats().ColdTrains, "every incremental retrain stayed incremental")
	require.NoError(t, inc.check())
}

// TestConcurrent runs readers, scanners and writers against the background
// trainer (run it with -race), then checks the index against the keys
// each writer owned.
func TestConcurrent(t *testing.T) {
	all, err := keys.Distinct(keys.Random, 16, 40000, 21)
	require.NoError(t, err)
	ix, err := New[int](Config{FeatureBytes: 16, Threshold: 8, LearningStep: 64, MinRetrain: 16, MaxList: 16})
	require.NoError(t, err)
	base := keys.Sorted(all[:10000])
	require.NoError(t, ix.BulkLoad(base, nil))
	stop := ix.StartTrainer()
	const writers = 3
	var wg sync.WaitGroup
	var done sync.WaitGroup
	quit := make(chan struct{})
	for w := range writers {
		done.Add(1)
		wg.Go(func() {
			defer done.Done()
			for i := 10000 + w; i < len(all); i += writers {
				ix.Put(all[i], i)
				if i%7 == 0 {
					ix.Delete(all[i])
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(8, 9))
			for {
				select {
				case <-quit:
					return
				default:
				}
				k := base[rng.IntN(len(base))]
				if _, ok := ix.Get(k); !ok {
					t.Errorf("bulk-loaded key %q lost", k)
					return
				}
				var prev []byte
				n := 0
				ix.Range(k, func(x []byte, _ int) bool {
					if prev != nil && bytes.Compare(prev, x) >= 0 {
						t.Errorf("scan out of order")
					}
					prev = x
					n++
					return n < 20
				})
			}
		})
	}
	done.Wait()
	close(quit)
	wg.Wait()
	stop()
	retrain(t, ix, false)
	require.NoError(t, ix.check())
	r := ref{}
	for _, k := range base {
		r[string(k)] = 0
	}
	for i := 10000; i < len(all); i++ {
		if i%7 != 0 {
			r[string(all[i])] = i
		}
	}
	agree(t, ix, r, rand.New(rand.NewPCG(1, 1)), all[:10])
	st := ix.Stats()
	assert.Positive(t, st.Retrains)
	assert.Zero(t, st.TrainErrors)
	t.Logf("%d retrains, %d splits, %d models", st.Retrains, st.Splits, st.Models)
}

// TestConfigErrors: invalid parameters are refused with ErrConfig, and
// BulkLoad refuses unsorted keys and mismatched values.
func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{FeatureBytes: -1}, {Threshold: -3}, {LearningStep: -1}, {LearningRate: 2},
		{Slack: 0.5}, {RetrainFraction: -1}, {MinRetrain: -1}, {RCond: -1}, {Mode: 9},
		{Threshold: math.NaN()}, {RCond: 1},
	} {
		_, err := New[int](c)
		assert.ErrorIs(t, err, ErrConfig, "%+v", c)
	}
	ix, err := New[int](Config{})
	require.NoError(t, err)
	assert.ErrorIs(t, ix.BulkLoad([][]byte{[]byte("b"), []byte("a")}, nil), ErrUnsorted)
	assert.ErrorIs(t, ix.BulkLoad([][]byte{[]byte("a"), []byte("a")}, nil), ErrUnsorted)
	assert.Error(t, ix.BulkLoad([][]byte{[]byte("a")}, []int{1, 2}))
	assert.Equal(t, 16, ix.Config().FeatureBytes)
}

// TestChangesDuringRetrain makes the changes that race with a retrain
// happen deterministically between its snapshot and its install: new keys
// (before the first key, inside, after the last), updates of keys being
// absorbed, deletes of absorbed and of list keys, and re-insertion of keys
// the snapshot dropped as deleted. Every one must survive the install, in
// both the plain and the splitting path, and in a pass over many models
// whose snapshots are all taken before the changes (with and without
// splits).
func TestChangesDuringRetrain(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"plain", Config{FeatureBytes: 12, Threshold: 1e9, LearningStep: 4000, MinRetrain: 1 << 30, MaxList: 1 << 30}},
		{"split", Config{FeatureBytes: 12, Threshold: 4, Slack: 1, LearningStep: 4000, MinRetrain: 1 << 30, MaxList: 1 << 30}},
		{"pass", Config{FeatureBytes: 12, Threshold: 2, Slack: 1e6, LearningStep: 64, MinRetrain: 1 << 30, MaxList: 1 << 30, MaxPass: 1 << 10}},
		{"pass-split", Config{FeatureBytes: 12, Threshold: 2, Slack: 1, LearningStep: 64, MinRetrain: 1 << 30, MaxList: 1 << 30, MaxPass: 1 << 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all, err := keys.Distinct(keys.UserID, 12, 3000, 17)
			require.NoError(t, err)
			sorted := keys.Sorted(all)
			base := make([][]byte, 0, 1500)
			for i := 0; i < 3000; i += 2 {
				base = append(base, sorted[i])
			}
			ix, err := New[int](tc.cfg)
			require.NoError(t, err)
			require.NoError(t, ix.BulkLoad(base[1:len(base)-1], nil))
			r := ref{}
			for _, k := range base[1 : len(base)-1] {
				r[string(k)] = 0
			}
			put := func(k []byte, v int) { ix.Put(k, v); r[string(k)] = v }
			del := func(k []byte) { ix.Delete(k); delete(r, string(k)) }
			// Before the retrain: list keys, deletes of absorbed and list keys.
			for i := 1; i < 600; i += 2 {
				put(sorted[i], i)
			}
			for i := 1; i < 100; i += 4 {
				del(sorted[i]) // list keys
			}
			for i := 2; i < 100; i += 4 {
				del(sorted[i]) // absorbed keys
			}
			hooked := 0
			ix.testHookTrain = func(*model[int]) {
				if hooked++; hooked > 1 {
					return
				}
				put(base[0], -1)                // before the first key
				put(base[len(base)-1], -2)      // after the last
				for i := 601; i < 900; i += 2 { // inside, after the snapshot
					put(sorted[i], -i)
				}
				for i := 3; i < 100; i += 8 { // updates of keys being absorbed
					if _, ok := r[string(sorted[i])]; ok {
						put(sorted[i], 7*i)
					}
				}
				for i := 1; i < 100; i += 8 { // re-insert dropped list keys
					put(sorted[i], 3*i)
				}
				for i := 2; i < 100; i += 8 { // re-insert dropped absorbed keys
					put(sorted[i], 5*i)
				}
				for i := 601; i < 700; i += 10 { // delete keys inserted meanwhile
					del(sorted[i])
				}
				del(sorted[5]) // a key being absorbed
			}
			var first PassEvent
			ix.OnPass(func(ev PassEvent) {
				if first.Models == 0 {
					first = ev
				}
			})
			n := retrain(t, ix, true)
			require.GreaterOrEqual(t, hooked, 1) // once per model of the first pass; the first call changes
			if strings.HasPrefix(tc.name, "pass") {
				require.Greater(t, first.Models, 10, "one pass over many models")
			}
			require.Positive(t, n)
			agree(t, ix, r, rand.New(rand.NewPCG(2, 3)), [][]byte{[]byte("~"), {}})
			ix.testHookTrain = nil
			retrain(t, ix, true) // everything late is absorbed now
			agree(t, ix, r, rand.New(rand.NewPCG(4, 5)), [][]byte{[]byte("~"), {}})
			assert.Zero(t, ix.Stats().Pending)
			if strings.HasSuffix(tc.name, "split") {
				assert.Positive(t, ix.Stats().Splits)
			}
		})
	}
}
