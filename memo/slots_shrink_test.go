package memo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSlotsShrinkBound: the slot map is rebuilt (its high-water mark reset
// to what it holds) exactly when deletions bring it down to a quarter of a
// high-water mark of at least 1024 IDs — not one deletion earlier — and
// never below a mark of 1024.
func TestSlotsShrinkBound(t *testing.T) {
	high := func(s *Store) (int, int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.slotsHigh, len(s.slots)
	}
	for _, tc := range []struct {
		ids     int
		rebuilt bool
	}{{1024, true}, {1023, false}} {
		s := New()
		m := genModel(1, 0, 1)
		for id := range int64(tc.ids) {
			setModel(s, id, m.Clone())
		}
		h, n := high(s)
		require.Equal(t, tc.ids, h)
		require.Equal(t, tc.ids, n)
		quarter := (tc.ids + 3) / 4 // 256 for 1024
		for id := int64(tc.ids) - 1; id >= int64(quarter); id-- {
			require.True(t, s.Drop(id))
			h, n = high(s)
			if n > 256 || !tc.rebuilt {
				require.Equal(t, tc.ids, h, "%d of %d IDs left: not rebuilt", n, tc.ids)
			}
		}
		h, n = high(s)
		require.Equal(t, quarter, n)
		if tc.rebuilt {
			require.Equal(t, 256, h, "a quarter of 1024 left: rebuilt")
		} else {
			require.Equal(t, tc.ids, h, "mark under 1024: never rebuilt")
		}
		require.Equal(t, quarter, s.Count())
	}
}
