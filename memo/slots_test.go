package memo

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func slotCount(s *Store) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.slots)
}

// TestNoSlotLeft: an ID without a memo holds no memory once no call uses
// it — after a lookup of a missing ID, after a drop, and after the reads
// of a checkpoint and of ExportRecords (peek) — and a peeked model stays
// evictable.
func TestNoSlotLeft(t *testing.T) {
	s := New()
	_, err := s.Open(filepath.Join(t.TempDir(), "memo.db"))
	require.NoError(t, err)
	for id := int64(1); id <= 3; id++ {
		setModel(s, id, genModel(2, 1, float64(id)))
	}
	found, err := s.Modify(9, func(*Model) error { return nil })
	require.NoError(t, err)
	require.False(t, found)
	require.Nil(t, s.Get(10))
	require.False(t, s.Drop(11))
	require.Equal(t, 3, slotCount(s), "lookups of missing IDs left slots")
	_, err = s.Checkpoint() // reads every changed model (peek)
	require.NoError(t, err)
	require.Len(t, ExportRecords(s), 3)
	require.True(t, s.Drop(1))
	require.Equal(t, 2, slotCount(s), "a dropped model's slot stayed")
	s.SetLimit(1) // below one model: every model not in use is evicted
	require.Zero(t, s.Count(), "a model read by peek could not be evicted")
	require.Zero(t, slotCount(s))
	require.NoError(t, s.Close())
}
