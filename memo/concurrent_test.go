package memo

import (
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestChangedDuringCheckpoint: a model changed while a checkpoint writes
// (after the checkpoint copied it) is written by the next checkpoint. The
// change is made from the file layer's write, so the interleaving is
// exact.
func TestChangedDuringCheckpoint(t *testing.T) {
	fs := newMemFS()
	s := New()
	s.fs = fs
	_, err := s.Open(plPath)
	require.NoError(t, err)
	setModel(s, 1, genModel(5, 1, 1))
	setModel(s, 2, genModel(3, 1, 2))
	_, err = s.Checkpoint()
	require.NoError(t, err)
	setModel(s, 1, genModel(5, 1, 3)) // v2 of model 1, pending
	var once sync.Once
	fs.onOp = func(op string) {
		if op == "write" {
			once.Do(func() { setModel(s, 1, genModel(5, 1, 4)) }) // v3, during the checkpoint's write
		}
	}
	n, err := s.Checkpoint()
	require.NoError(t, err)
	require.Equal(t, 1, n)
	fs.onOp = nil
	n, err = s.Checkpoint()
	require.NoError(t, err)
	require.Equal(t, 1, n, "the model changed during the last checkpoint must be written again")
	want := ExportRecords(s)
	require.NoError(t, s.Close())
	r := New()
	r.fs = fs
	_, err = r.Open(plPath)
	require.NoError(t, err)
	require.Equal(t, want, ExportRecords(r))
	require.NoError(t, r.Close())
}

// trainOps is goroutine g's deterministic sequence of changes to the
// models it owns (IDs ≡ g mod workers): new models, in-place updates,
// drops and two-model updates. pace, if not nil, is called before each
// step.
func trainOps(s *Store, g, workers, models, steps int, pace func(step int)) {
	rng := rand.New(rand.NewPCG(uint64(g), 3))
	own := func() int64 { return int64(g + workers*rng.IntN(models/workers)) }
	for step := range steps {
		if pace != nil {
			pace(step)
		}
		id := own()
		switch rng.IntN(10) {
		case 0, 1, 2:
			setModel(s, id, genModel(2+int(id%7), 1+int(id%2), float64(step%200)+float64(g)/8))
		case 3, 4, 5, 6, 7:
			_, _ = s.Modify(id, func(m *Model) error {
				m.Rows++
				m.R[len(m.R)-1] += 0.5
				m.QTB[0] -= 0.25
				return nil
			})
		case 8:
			s.Drop(id)
		default:
			other := own()
			_ = s.UpdateMany([]int64{id, other}, func(cur map[int64]*Model) (map[int64]*Model, error) {
				if cur[other] == nil {
					return nil, nil
				}
				return map[int64]*Model{id: cur[other].Clone()}, nil
			})
		}
	}
}

// TestCheckpointsDuringTraining: 8 goroutines train while checkpoints run
// back to back; the file reopened after a last checkpoint equals a serial
// replay of the same changes, bit for bit. The trainers wait, at each
// tenth of their steps, for one more checkpoint to have completed, so at
// least 10 checkpoints overlap the training however slow fsync is.
func TestCheckpointsDuringTraining(t *testing.T) {
	const workers, models = 8, 96
	steps := 4000
	if testing.Short() {
		steps = 1500
	}
	path := filepath.Join(t.TempDir(), "memo.db")
	s := New()
	_, err := s.Open(path)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var done atomic.Bool
	var completed atomic.Int64
	pace := func(step int) {
		if step%(steps/10) == 0 {
			for want := int64(step/(steps/10)) + 1; completed.Load() < want && !done.Load(); {
				time.Sleep(100 * time.Microsecond)
			}
		}
	}
	for g := range workers {
		wg.Go(func() { trainOps(s, g, workers, models, steps, pace) })
	}
	var written int
	ckDone := make(chan error)
	go func() {
		for !done.Load() {
			n, err := s.Checkpoint()
			if err != nil {
				done.Store(true)
				ckDone <- err
				return
			}
			completed.Add(1)
			written += n
		}
		ckDone <- nil
	}()
	wg.Wait()
	done.Store(true)
	require.NoError(t, <-ckDone)
	_, err = s.Checkpoint()
	require.NoError(t, err)
	require.NoError(t, s.Close())
	t.Logf("%d checkpoints during training, %d models written by them", completed.Load(), written)
	require.GreaterOrEqual(t, completed.Load(), int64(10), "checkpoints must overlap the training")

	serial := New()
	for g := range workers {
		trainOps(serial, g, workers, models, steps, nil)
	}
	r := New()
	rep, err := r.Open(path)
	require.NoError(t, err)
	require.Empty(t, rep.Dropped)
	require.Equal(t, ExportRecords(serial), ExportRecords(r))
	require.NoError(t, r.Close())
}
