package memo_test

import (
	"testing"

	"github.com/libsia/sia/memo"
)

// BenchmarkModify is the locking and memo lookup every incremental call
// pays: acquire the ID's slot, find the memo, release.
func BenchmarkModify(b *testing.B) {
	s := memo.New()
	for id := range int64(1000) {
		_ = s.Update(id, func(*memo.Model) (*memo.Model, error) { return memo.NewModel(3, 1), nil })
	}
	b.ResetTimer()
	for i := range b.N {
		_, _ = s.Modify(int64(i%1000), func(*memo.Model) error { return nil })
	}
}
