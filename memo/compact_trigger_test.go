package memo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// newestSlot is the header slot of the highest checkpoint number in raw.
func newestSlot(t *testing.T, raw []byte) slotHeader {
	h0, ok0 := parseSlot(raw[0:])
	h1, ok1 := parseSlot(raw[slotStride:])
	require.True(t, ok0 || ok1)
	if !ok0 || ok1 && h1.seq > h0.seq {
		return h1
	}
	return h0
}

// TestCompactTrigger: after an open that found no damage, a small
// checkpoint appends to the memo file (the same file, the next checkpoint
// number); after one that dropped a record, the next checkpoint rewrites
// the file (a new file renamed over it) as the checkpoint after the last
// one, and the dropped model is gone for good.
func TestCompactTrigger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	s := New()
	_, err := s.Open(path)
	require.NoError(t, err)
	setModel(s, 1, genModel(3, 1, 1))
	setModel(s, 2, genModel(2, 1, 2))
	_, err = s.Checkpoint()
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = New()
	rep, err := s.Open(path)
	require.NoError(t, err)
	require.Empty(t, rep.Dropped)
	require.Zero(t, rep.Lost)
	before, err := os.Stat(path)
	require.NoError(t, err)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	seq := newestSlot(t, raw).seq
	rec3 := encode(3, genModel(2, 2, 3))
	setModel(s, 3, genModel(2, 2, 3))
	_, err = s.Checkpoint()
	require.NoError(t, err)
	after, err := os.Stat(path)
	require.NoError(t, err)
	require.True(t, os.SameFile(before, after), "a clean open: the checkpoint appends, no rewrite")
	require.NoError(t, s.Close())
	raw, err = os.ReadFile(path)
	require.NoError(t, err)
	h := newestSlot(t, raw)
	require.Equal(t, seq+1, h.seq)

	// Model 3's record (the frame before the newest commit) damaged.
	raw[int64(h.last)-int64(len(rec3))/2] ^= 0x08
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	s = New()
	rep, err = s.Open(path)
	require.NoError(t, err)
	require.Equal(t, []int64{3}, rep.Dropped)
	before, err = os.Stat(path)
	require.NoError(t, err)
	setModel(s, 1, genModel(3, 1, 4))
	_, err = s.Checkpoint()
	require.NoError(t, err)
	after, err = os.Stat(path)
	require.NoError(t, err)
	require.False(t, os.SameFile(before, after), "damage found: the checkpoint rewrites the file")
	require.NoError(t, s.Close())
	raw, err = os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, h.seq+1, newestSlot(t, raw).seq, "the rewritten file: the next checkpoint number")
	s = New()
	rep, err = s.Open(path)
	require.NoError(t, err)
	require.Empty(t, rep.Dropped)
	require.Equal(t, 2, rep.Loaded)
	require.NoError(t, s.Close())
}
