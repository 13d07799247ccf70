package memo_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libsia/sia/memo"
)

// heapAlloc returns the live heap after a full collection.
func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestHeapPerModel measures the heap 50 000 stored models really occupy
// (payload, Model struct, slot, map entry; runtime.MemStats after a full
// GC) and requires the store's accounting to be an upper bound within
// memo.MapEntryBytes per model: the bound may overstate only the map, whose
// cost per ID moves between about 21 and 41 bytes as its tables fill and
// split. Shapes put the payload just below, at and above allocator size
// classes; also when models churn under a limit (evictions), and after
// Clear, when the map must have given its memory back.
func TestHeapPerModel(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates about 1 GB")
	}
	const count = 50000
	for _, c := range []struct{ n, nrhs int }{{33, 1}, {65, 1}, {17, 3}, {9, 1}} {
		t.Run(fmt.Sprintf("n=%d,nrhs=%d", c.n, c.nrhs), func(t *testing.T) {
			h0 := heapAlloc()
			s := memo.New()
			for id := range int64(count) {
				require.NoError(t, s.Update(id, func(*memo.Model) (*memo.Model, error) { return memo.NewModel(c.n, c.nrhs), nil }))
			}
			real := float64(heapAlloc()-h0) / count
			acct := float64(s.Bytes()) / count
			require.Equal(t, memo.Bytes(c.n, c.nrhs)*count, s.Bytes())
			t.Logf("heap per model %.1f B, accounted %.0f B, payload %d B", real, acct, 8*(c.n*(c.n+1)/2+c.n*c.nrhs+c.nrhs))
			require.LessOrEqual(t, real, acct, "the accounting must bound the real heap")
			require.LessOrEqual(t, acct-real, float64(memo.MapEntryBytes), "the accounting overstates by more than a map entry")

			s.Clear()
			retained := float64(heapAlloc()-h0) / count
			t.Logf("after Clear: %.2f B per former model retained", retained)
			require.Less(t, retained, 1.0, "the map must shrink when its IDs are deleted")
			runtime.KeepAlive(s)

			// Churn: four times the models through a store bounded to a tenth.
			h1 := heapAlloc()
			s = memo.New()
			s.SetLimit(count / 10 * memo.Bytes(c.n, c.nrhs))
			for id := range int64(4 * count) {
				require.NoError(t, s.Update(id, func(*memo.Model) (*memo.Model, error) { return memo.NewModel(c.n, c.nrhs), nil }))
			}
			real = float64(heapAlloc()-h1) / float64(s.Count())
			acct = float64(s.Bytes()) / float64(s.Count())
			t.Logf("churn: %d models, heap per model %.1f B, accounted %.0f B", s.Count(), real, acct)
			require.LessOrEqual(t, real, acct)
			require.LessOrEqual(t, acct-real, float64(memo.MapEntryBytes))
			runtime.KeepAlive(s)
		})
	}
}

// TestAllocSize pins AllocSize to the allocator: the capacity append gives
// a pointer-free slice is its allocation's size class.
func TestAllocSize(t *testing.T) {
	for _, size := range []int64{1, 8, 9, 4760, 4864, 4865, 17688, 32768, 32769, 38808} {
		got := int64(cap(append([]byte(nil), make([]byte, size)...)))
		require.Equal(t, got, memo.AllocSize(size), "size %d", size)
	}
	require.Equal(t, int64(0), memo.AllocSize(0))
}
