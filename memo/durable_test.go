package memo_test

import (
	"encoding/binary"
	"math"
	"os"
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
	require.True(t, rep.Created)
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
	require.False(t, rep.Created)
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

// boltKey is a model ID as 0.2 keyed it.
func boltKey(id int64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	return k[:]
}

// TestLegacyCorruptRecords: in a file of 0.2's format (written here with
// bbolt, as 0.2 did), records that fail their checks are dropped, reported
// and counted, never loaded; the others load; the first checkpoint
// rewrites the file in the current format, without them.
func TestLegacyCorruptRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	s := memo.New()
	for id := int64(1); id <= 5; id++ {
		put(t, s, id, model(4, 1, float64(id)))
	}
	recs := memo.ExportRecords(s)
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket([]byte("models"))
		require.NoError(t, err)
		for id, v := range recs {
			require.NoError(t, bk.Put(boltKey(id), v))
		}
		v := append([]byte(nil), recs[2]...)
		v[30] ^= 1 // a flipped bit in R
		require.NoError(t, bk.Put(boltKey(2), v))
		require.NoError(t, bk.Put(boltKey(3), recs[3][:len(recs[3])-9])) // truncated
		require.NoError(t, bk.Put(boltKey(4), recs[1]))                  // another model's record under ID 4
		return bk.Put([]byte("bad"), []byte("key"))
	}))
	require.NoError(t, db.Close())
	r := memo.New()
	rep, err := r.Open(path)
	require.NoError(t, err)
	require.True(t, rep.Legacy)
	require.Equal(t, 2, rep.Loaded)
	require.ElementsMatch(t, []int64{2, 3, 4, -1}, rep.Dropped)
	require.Equal(t, int64(4), r.Stats().Corrupt)
	require.Nil(t, r.Get(2))
	requireSame(t, s.Get(1), r.Get(1))
	requireSame(t, s.Get(5), r.Get(5))
	require.NoError(t, r.Close())
	// Rewritten in the current format without the dropped records.
	again := memo.New()
	rep, err = again.Open(path)
	require.NoError(t, err)
	require.False(t, rep.Legacy)
	require.Empty(t, rep.Dropped)
	require.Equal(t, 2, rep.Loaded)
	requireSame(t, s.Get(5), again.Get(5))
	require.NoError(t, again.Close())
}

// TestLegacyFixture: testdata/v02.db was written by libsia 0.2.0's own
// code (sia_memo_open/checkpoint/close over bbolt, main @ 2995b12): five
// models of n = 9, 17, 33, 5, 3 (model(n, nrhs, seed) below), records on
// overflow pages. They load bit for bit, and stay so after the migration.
func TestLegacyFixture(t *testing.T) {
	want := map[int64]*memo.Model{}
	for i, sh := range [][3]int{{9, 1, 1}, {17, 2, 2}, {33, 1, 3}, {5, 1, 4}, {3, 3, 5}} {
		want[int64(i+1)*1000003] = model(sh[0], sh[1], float64(sh[2]))
	}
	raw, err := os.ReadFile("testdata/v02.db")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "memo.db")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	for round := range 2 {
		s := memo.New()
		rep, err := s.Open(path)
		require.NoError(t, err)
		require.Equal(t, round == 0, rep.Legacy, "round %d", round)
		require.Equal(t, len(want), rep.Loaded)
		require.Empty(t, rep.Dropped)
		require.Zero(t, rep.Lost)
		for id, m := range want {
			requireSame(t, m, s.Get(id))
		}
		require.NoError(t, s.Close())
	}
}

// TestOpenRejectsNonMemo: an existing file that is empty, foreign or cut
// inside its header is reported and left as it is, never taken for a new
// memo.
func TestOpenRejectsNonMemo(t *testing.T) {
	valid := filepath.Join(t.TempDir(), "valid.db")
	s := memo.New()
	_, err := s.Open(valid)
	require.NoError(t, err)
	put(t, s, 1, model(3, 1, 1))
	require.NoError(t, s.Close())
	raw, err := os.ReadFile(valid)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		content []byte
		want    error
	}{
		{"zero length", nil, memo.ErrEmptyFile},
		{"text", []byte("#!/bin/sh\necho this is not a memo\n"), memo.ErrNotMemo},
		{"zeros", make([]byte, 1<<16), memo.ErrNotMemo},
		{"header cut", raw[:5000], memo.ErrDamaged},
		{"log cut", raw[:8192+100], memo.ErrDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "memo.db")
			require.NoError(t, os.WriteFile(path, tc.content, 0o600))
			_, err := memo.New().Open(path)
			require.ErrorIs(t, err, tc.want)
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, len(tc.content), len(after), "the file was changed")
		})
	}
}

// TestLogDamagedRecord: a flipped byte in one record of the log drops that
// model (no older version of it is loaded), counts it, and the next
// checkpoint rewrites the file without it.
func TestLogDamagedRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	s := memo.New()
	_, err := s.Open(path)
	require.NoError(t, err)
	for id := int64(1); id <= 3; id++ {
		put(t, s, id, model(5, 1, float64(id)))
	}
	_, err = s.Checkpoint()
	require.NoError(t, err)
	put(t, s, 2, model(5, 1, 22)) // a newer version of 2, in a second checkpoint
	require.NoError(t, s.Close())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	// The second checkpoint's record of model 2 starts right after the first
	// checkpoint; flip a byte inside its R.
	first := 8192 + 3*(24+memo.RecordBytes(5, 1)) + 24 + 20 + 3*24
	raw[first+24+60] ^= 0x10
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	r := memo.New()
	rep, err := r.Open(path)
	require.NoError(t, err)
	require.Equal(t, []int64{2}, rep.Dropped)
	require.Equal(t, int64(1), r.Stats().Corrupt)
	require.Nil(t, r.Get(2), "model 2's older version must not load")
	requireSame(t, s.Get(1), r.Get(1))
	requireSame(t, s.Get(3), r.Get(3))
	require.NoError(t, r.Close())
	again := memo.New()
	rep, err = again.Open(path)
	require.NoError(t, err)
	require.Empty(t, rep.Dropped)
	require.Equal(t, 2, rep.Loaded)
	require.NoError(t, again.Close())
}

// TestLogCompaction: a model rewritten by many checkpoints does not grow
// the file without bound: the log is rewritten once it holds more than
// twice the live bytes plus 1 MiB.
func TestLogCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	s := memo.New()
	_, err := s.Open(path)
	require.NoError(t, err)
	put(t, s, 9, model(30, 1, 1))
	for i := range 600 {
		_, err := s.Modify(1, func(*memo.Model) error { return nil })
		require.NoError(t, err)
		put(t, s, 1, model(33, 1, float64(i%100)+0.5))
		_, err = s.Checkpoint()
		require.NoError(t, err)
	}
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Less(t, st.Size(), int64(8192+2*2*5000+1<<20+5000), "the log was not compacted")
	require.Greater(t, st.Size(), int64(8192+2*4000))
	require.NoError(t, s.Close())
	r := memo.New()
	rep, err := r.Open(path)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Loaded, "%+v", rep)
	requireSame(t, model(33, 1, 99.5), r.Get(1))
	require.NoError(t, r.Close())
}
