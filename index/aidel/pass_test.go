package aidel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/index/keys"
)

// passIndex bulk-loads 4 000 user-ID keys into an index with cfg (many
// models at Threshold 8) and puts 300 more, spread over the models, with
// no automatic queueing; it returns the index and the models RetrainAll
// will queue.
func passIndex(t *testing.T, cfg Config) (*Index[int], int) {
	t.Helper()
	all, err := keys.Distinct(keys.UserID, 12, 4300, 41)
	require.NoError(t, err)
	cfg.FeatureBytes, cfg.Threshold, cfg.LearningStep = 12, 8, 64
	cfg.MinRetrain, cfg.MaxList = 1<<30, 1<<30
	ix, err := New[int](cfg)
	require.NoError(t, err)
	require.NoError(t, ix.BulkLoad(keys.Sorted(all[:4000]), nil))
	for i, k := range all[4000:] {
		ix.Put(k, i)
	}
	due := 0
	for _, m := range ix.fs.Load().models {
		if m.pending > 0 {
			due++
		}
	}
	require.Greater(t, due, 8, "the inserts should reach many models")
	return ix, due
}

// TestPasses: RetrainAll retrains every queued model in passes of at most
// MaxPass models; in Incremental mode each pass trains all its models' new
// rows in one TrainBatch call (Batched = models, BatchRows = keys
// absorbed), in FullRefit none; Stats counts the passes, their models and
// their time.
func TestPasses(t *testing.T) {
	for _, tc := range []struct {
		mode    TrainMode
		maxPass int
	}{
		{Incremental, 64}, {Incremental, 3}, {Incremental, 1}, {FullRefit, 64}, {Shifted, 5},
	} {
		t.Run(fmt.Sprintf("%s/max%d", tc.mode, tc.maxPass), func(t *testing.T) {
			ix, due := passIndex(t, Config{Mode: tc.mode, MaxPass: tc.maxPass})
			var evs []PassEvent
			ix.OnPass(func(ev PassEvent) { evs = append(evs, ev) })
			n := retrain(t, ix, true)
			require.NoError(t, ix.check())
			// Splits queue their parts (up to the pass after), so at least
			// the due models were retrained, in at least ⌈due/max⌉ passes.
			require.GreaterOrEqual(t, n, due)
			require.GreaterOrEqual(t, len(evs), (due+tc.maxPass-1)/tc.maxPass)
			st := ix.Stats()
			assert.Equal(t, int64(len(evs)), st.Passes)
			assert.Equal(t, int64(n), st.PassModels)
			assert.Equal(t, st.Retrains, st.PassModels)
			assert.Equal(t, min(due, tc.maxPass), evs[0].Models, "the first pass takes every queued model up to MaxPass")
			var total int64
			for _, ev := range evs {
				require.LessOrEqual(t, ev.Models, tc.maxPass)
				total += ev.Total.Nanoseconds()
				assert.GreaterOrEqual(t, ev.Total, ev.Batch)
				assert.LessOrEqual(t, ev.BatchRows, ev.Absorbed)
				if tc.mode != Incremental {
					assert.Zero(t, ev.Batched)
				}
			}
			assert.Equal(t, total, st.PassTime.Nanoseconds())
			assert.LessOrEqual(t, st.MaxPassTime, st.PassTime)
			if tc.mode == Incremental {
				// No deletes, so every model absorbs through the batch.
				assert.Equal(t, evs[0].Models, evs[0].Batched)
				assert.Equal(t, evs[0].Absorbed, evs[0].BatchRows)
				assert.Positive(t, evs[0].BatchRows)
			}
		})
	}
}

// TestPassEqualsOneByOne: models retrained together in one pass (one
// TrainBatch call) end with the weights and bounds that retraining them one
// at a time (MaxPass 1) gives, through rounds of inserts and deletes.
func TestPassEqualsOneByOne(t *testing.T) {
	one, _ := passIndex(t, Config{MaxPass: 1})
	all, _ := passIndex(t, Config{MaxPass: 1 << 10})
	more, err := keys.Distinct(keys.UserID, 12, 6000, 43)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 4 {
		retrain(t, one, true)
		retrain(t, all, true)
		mo, ma := one.fs.Load().models, all.fs.Load().models
		require.Equal(t, len(mo), len(ma), "round %d", round)
		for i := range mo {
			fo, fa := mo[i].fit, ma[i].fit
			require.Equal(t, mo[i].pos, ma[i].pos)
			for j := range fo.w {
				require.InDelta(t, fo.w[j], fa.w[j], 1e-12*(1+math.Abs(fo.w[j])), "round %d model %d w[%d]", round, i, j)
			}
			require.InDelta(t, fo.minErr, fa.minErr, 1e-9)
			require.InDelta(t, fo.maxErr, fa.maxErr, 1e-9)
		}
		require.NoError(t, all.check())
		for range 200 {
			k := more[rng.IntN(len(more))]
			one.Put(k, round)
			all.Put(k, round)
			if d := more[rng.IntN(len(more))]; rng.IntN(4) == 0 {
				one.Delete(d)
				all.Delete(d)
			}
		}
	}
	assert.Greater(t, all.Stats().PassModels, 2*all.Stats().Passes, "passes held several models")
}

// TestRequeueAfterPass: keys put into a model between its snapshot and its
// install do not queue it again while it is in the pass (its pending count
// still holds the keys being absorbed); the install queues it only if the
// keys carried over are due by themselves.
func TestRequeueAfterPass(t *testing.T) {
	for _, tc := range []struct {
		name  string
		late  int  // keys put during the pass
		queue bool // queued after the install
	}{
		{"few", 10, false}, {"due", 60, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all, err := keys.Distinct(keys.UserID, 12, 4200, 47)
			require.NoError(t, err)
			// One model of 4 000 keys, due at 40 inserts.
			ix, err := New[int](Config{FeatureBytes: 12, Threshold: 1e9, LearningStep: 4000,
				MinRetrain: 10, RetrainFraction: 0.01, MaxList: 1 << 30})
			require.NoError(t, err)
			require.NoError(t, ix.BulkLoad(keys.Sorted(all[:4000]), nil))
			for _, k := range all[4000:4050] {
				ix.Put(k, 1)
			}
			require.Equal(t, 1, ix.Queued())
			queuedInPass := -1
			ix.testHookTrain = func(*model[int]) {
				for _, k := range all[4050 : 4050+tc.late] {
					ix.Put(k, 2)
				}
				queuedInPass = ix.Queued()
			}
			popped, done := ix.pass()
			require.Equal(t, 1, popped)
			require.Equal(t, 1, done)
			assert.Zero(t, queuedInPass, "a Put during the pass queued the model again")
			assert.Equal(t, tc.late, ix.Stats().Pending)
			assert.Equal(t, tc.queue, ix.Queued() == 1)
			require.NoError(t, ix.check())
		})
	}
}
