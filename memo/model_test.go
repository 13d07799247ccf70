package memo_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/memo"
)

func TestPackUnpackRoundTrip(t *testing.T) {
	for _, tc := range []struct{ n, nrhs int }{{1, 0}, {1, 1}, {3, 2}, {17, 1}, {33, 3}} {
		n, nrhs, nc := tc.n, tc.nrhs, tc.n+tc.nrhs
		ld := nc + 2
		tm := make([]float64, n*ld)
		for i := 0; i < n; i++ {
			for j := 0; j < ld; j++ {
				tm[i*ld+j] = float64(1000*i + j + 1)
			}
		}
		rss := make([]float64, nrhs)
		for r := range rss {
			rss[r] = float64(r) + 0.5
		}
		m := memo.NewModel(n, nrhs)
		m.Pack(tm, ld, rss)
		require.Len(t, m.R, n*(n+1)/2)
		out := make([]float64, n*ld)
		for i := range out {
			out[i] = -1
		}
		gotRSS := make([]float64, nrhs)
		m.Unpack(out, ld, gotRSS)
		for i := 0; i < n; i++ {
			for j := 0; j < ld; j++ {
				switch {
				case j < i:
					require.Zero(t, out[i*ld+j], "below the diagonal")
				case j < nc:
					require.Equal(t, tm[i*ld+j], out[i*ld+j])
				default:
					require.Equal(t, -1.0, out[i*ld+j], "padding written")
				}
			}
		}
		require.Equal(t, rss, gotRSS)
		c := m.Clone()
		c.R[0] = -7
		require.NotEqual(t, c.R[0], m.R[0])
	}
}

func TestStoreCountsAndAtomicity(t *testing.T) {
	s := memo.New()
	require.NoError(t, s.Update(1, func(cur *memo.Model) (*memo.Model, error) {
		require.Nil(t, cur)
		return memo.NewModel(4, 1), nil
	}))
	require.Equal(t, 1, s.Count())
	require.Equal(t, memo.Bytes(4, 1), s.Bytes())
	require.Equal(t, int64(128+memo.ModelOverhead), memo.Bytes(4, 1), "8·(10+4+1) = 120 payload bytes occupy the 128-byte size class")
	errBoom := errFixed("boom")
	require.ErrorIs(t, s.Update(1, func(cur *memo.Model) (*memo.Model, error) { return nil, errBoom }), errBoom)
	require.NotNil(t, s.Get(1), "a failed update must not delete")
	require.NoError(t, s.Update(1, func(cur *memo.Model) (*memo.Model, error) { return nil, nil }))
	require.Nil(t, s.Get(1))
	require.Equal(t, 0, s.Count())
	require.Equal(t, int64(0), s.Bytes())
	require.False(t, s.Drop(1))
}

type errFixed string

func (e errFixed) Error() string { return string(e) }

// TestStoreSerializesPerID increments a counter in the memo of a few IDs
// from many goroutines; with per-ID serialization no increment is lost.
func TestStoreSerializesPerID(t *testing.T) {
	s := memo.New()
	const ids, goroutines, per = 3, 16, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range per {
				id := int64((g + i) % ids)
				_ = s.Update(id, func(cur *memo.Model) (*memo.Model, error) {
					if cur == nil {
						cur = memo.NewModel(1, 0)
					}
					cur.Rows++
					return cur, nil
				})
			}
		})
	}
	wg.Wait()
	var total int64
	for id := range int64(ids) {
		total += s.Get(id).Rows
	}
	require.Equal(t, int64(goroutines*per), total)
	s.Clear()
	require.Equal(t, 0, s.Count())
}

// fill gives id a memo of shape (n, 1) through Update.
func fill(t *testing.T, s *memo.Store, id int64, n int) {
	t.Helper()
	require.NoError(t, s.Update(id, func(*memo.Model) (*memo.Model, error) { return memo.NewModel(n, 1), nil }))
}

func TestLimitEvictsLeastRecentlyUsed(t *testing.T) {
	s := memo.New()
	per := memo.Bytes(4, 1)
	s.SetLimit(3 * per)
	for id := range int64(3) {
		fill(t, s, id, 4)
	}
	require.Equal(t, 3, s.Count())
	// Touch 0 so that 1 is now the least recently used.
	found, err := s.Modify(0, func(*memo.Model) error { return nil })
	require.True(t, found)
	require.NoError(t, err)
	fill(t, s, 3, 4)
	require.Equal(t, 3, s.Count())
	require.Nil(t, s.Get(1), "the least recently used memo is evicted")
	require.NotNil(t, s.Get(0))
	found, _ = s.Modify(1, func(*memo.Model) error { return nil })
	require.False(t, found)
	st := s.Stats()
	require.Equal(t, memo.Stats{Models: 3, Bytes: 3 * per, Limit: 3 * per, Hits: 1, Misses: 1, Evictions: 1}, st)
	s.SetLimit(per)
	require.Equal(t, 1, s.Count())
	require.LessOrEqual(t, s.Bytes(), per)
	s.SetLimit(0)
	for id := range int64(10) {
		fill(t, s, 100+id, 4)
	}
	require.Equal(t, 11, s.Count(), "unbounded again")
}

func TestUpdateMany(t *testing.T) {
	s := memo.New()
	fill(t, s, 1, 2)
	fill(t, s, 2, 2)
	require.NoError(t, s.UpdateMany([]int64{2, 1, 2, 3}, func(cur map[int64]*memo.Model) (map[int64]*memo.Model, error) {
		require.Len(t, cur, 3)
		require.Nil(t, cur[3])
		m := cur[1].Clone()
		m.Rows = 99
		return map[int64]*memo.Model{3: m, 2: nil}, nil
	}))
	require.Equal(t, int64(99), s.Get(3).Rows)
	require.Nil(t, s.Get(2))
	require.NotNil(t, s.Get(1))
	require.Equal(t, 2, s.Count())
}
