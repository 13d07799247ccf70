package memo_test

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/libsia/sia/memo"
)

func model(n, nrhs int, seed float64) *memo.Model {
	m := memo.NewModel(n, nrhs)
	for i := range m.R {
		m.R[i] = math.Sin(seed + float64(i))
	}
	for i := range m.QTB {
		m.QTB[i] = math.Cos(seed * float64(i+1))
	}
	for i := range m.RSS {
		m.RSS[i] = seed + float64(i)
	}
	m.Rows = int64(seed * 10)
	m.EA, m.EB = int32(seed)-2, 3-int32(seed)
	m.AMax, m.BMax = 255*seed, 1e6+seed
	return m
}

func put(t *testing.T, s *memo.Store, id int64, m *memo.Model) {
	t.Helper()
	require.NoError(t, s.Update(id, func(*memo.Model) (*memo.Model, error) { return m.Clone(), nil }))
}

func TestDurableRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	s := memo.New()
	put(t, s, 7, model(5, 1, 1)) // in memory before Open: written at the first checkpoint
	rep, err := s.Open(path)
	require.NoError(t, err)
	require.Zero(t, rep.Loaded)
	for id := int64(0); id < 5; id++ {
		put(t, s, id, model(3+int(id), 1+int(id%2), float64(id)))
	}
	n, err := s.Checkpoint()
	require.NoError(t, err)
	require.Equal(t, 6, n)
	n, err = s.Checkpoint()
	require.NoError(t, err)
	require.Zero(t, n, "nothing changed")
	// Change one model in place, drop another: only those two are written.
	_, err = s.Modify(1, func(m *memo.Model) error { m.Rows++; return nil })
	require.NoError(t, err)
	require.True(t, s.Drop(2))
	n, err = s.Checkpoint()
	require.NoError(t, err)
	require.Equal(t, 2, n)
	put(t, s, 3, model(4, 2, 33)) // changed after the last checkpoint: Close writes it
	require.NoError(t, s.Close())
	_, err = s.Checkpoint()
	require.ErrorIs(t, err, memo.ErrNotOpen)

	r := memo.New()
	rep, err = r.Open(path)
	require.NoError(t, err)
	require.Equal(t, 5, rep.Loaded)
	require.Empty(t, rep.Dropped)
	for _, id := range []int64{0, 1, 3, 4, 7} {
		requireSame(t, s.Get(id), r.Get(id))
	}
	require.Nil(t, r.Get(2), "dropped models are deleted")
	require.NoError(t, r.Close())
}

func requireSame(t *testing.T, want, got *memo.Model) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, want.N, got.N)
	require.Equal(t, want.NRHS, got.NRHS)
	require.Equal(t, want.Rows, got.Rows)
	require.Equal(t, want.R, got.R)
	require.Equal(t, want.QTB, got.QTB)
	require.Equal(t, want.RSS, got.RSS)
	require.Equal(t, [2]int32{want.EA, want.EB}, [2]int32{got.EA, got.EB})
	require.Equal(t, [2]float64{want.AMax, want.BMax}, [2]float64{got.AMax, got.BMax})
}

// TestDurableCorruptRecords: records that fail their checks are dropped,
// reported and counted, never loaded; the others load.
func TestDurableCorruptRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	s := memo.New()
	_, err := s.Open(path)
	require.NoError(t, err)
	for id := int64(1); id <= 5; id++ {
		put(t, s, id, model(4, 1, float64(id)))
	}
	require.NoError(t, s.Close())
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte("models"))
		key := func(id int64) []byte {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], uint64(id))
			return k[:]
		}
		v := append([]byte(nil), bk.Get(key(2))...)
		v[30] ^= 1 // a flipped bit in R
		require.NoError(t, bk.Put(key(2), v))
		v = append([]byte(nil), bk.Get(key(3))...)
		require.NoError(t, bk.Put(key(3), v[:len(v)-9])) // truncated
		v = append([]byte(nil), bk.Get(key(1))...)
		require.NoError(t, bk.Put(key(4), v)) // another model's record under ID 4
		return bk.Put([]byte("bad"), []byte("key"))
	}))
	require.NoError(t, db.Close())
	r := memo.New()
	rep, err := r.Open(path)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Loaded)
	require.ElementsMatch(t, []int64{2, 3, 4, -1}, rep.Dropped)
	require.Equal(t, int64(4), r.Stats().Corrupt)
	require.Nil(t, r.Get(2))
	requireSame(t, s.Get(5), r.Get(5))
	require.NoError(t, r.Close())
	// Dropped records were deleted: a second open finds no corruption.
	again := memo.New()
	rep, err = again.Open(path)
	require.NoError(t, err)
	require.Empty(t, rep.Dropped)
	require.Equal(t, 2, rep.Loaded)
	require.NoError(t, again.Close())
}
