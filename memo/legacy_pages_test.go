package memo_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/libsia/sia/memo"
)

// TestLegacyPageSizes: 0.2 files written with bbolt's smallest and largest
// page sizes (512 bytes and 64 KiB) load bit for bit — with 512-byte pages
// the models' records span overflow pages under a tree of branch pages.
func TestLegacyPageSizes(t *testing.T) {
	s := memo.New()
	for id := int64(1); id <= 150; id++ {
		put(t, s, id, model(int(2+id%12), int(1+id%2), float64(id)))
	}
	recs := memo.ExportRecords(s)
	for _, ps := range []int{512, 1 << 16} {
		path := filepath.Join(t.TempDir(), "memo.db")
		db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: ps})
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucket([]byte("models"))
			require.NoError(t, err)
			for id, v := range recs {
				require.NoError(t, bk.Put(boltKey(id), v))
			}
			return nil
		}))
		require.NoError(t, db.Close())
		r := memo.New()
		rep, err := r.Open(path)
		require.NoError(t, err, "page size %d", ps)
		require.True(t, rep.Legacy)
		require.Equal(t, len(recs), rep.Loaded, "page size %d", ps)
		require.Empty(t, rep.Dropped)
		require.Zero(t, rep.Lost)
		require.Equal(t, recs, memo.ExportRecords(r), "page size %d", ps)
		require.NoError(t, r.Close())
	}
}
