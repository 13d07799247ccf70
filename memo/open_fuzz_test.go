package memo

import (
	"encoding/binary"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// memFile holding content at plPath.
func memWith(content []byte) *memFS {
	fs := newMemFS()
	in := &memInode{data: content, synced: content}
	fs.names[plPath], fs.durable[plPath] = in, in
	return fs
}

// smallMemo is a format-3 file of three models in two checkpoints, one
// deletion.
func smallMemo(t testing.TB) []byte {
	fs := newMemFS()
	s := New()
	s.fs = fs
	_, err := s.Open(plPath)
	require.NoError(t, err)
	setModel(s, 1, genModel(3, 1, 1))
	setModel(s, 2, genModel(2, 2, 2))
	_, err = s.Checkpoint()
	require.NoError(t, err)
	setModel(s, 3, genModel(4, 1, 3))
	s.Drop(2)
	require.NoError(t, s.Close())
	return fs.names[plPath].data
}

// TestReadFrameBoundsBeforeAllocating: a frame whose length field asks for
// gigabytes is refused before anything of that size is allocated, for a
// record frame and for a commit frame (whose length has no format limit).
func TestReadFrameBoundsBeforeAllocating(t *testing.T) {
	raw := smallMemo(t)
	h, ok := parseSlot(raw[slotStride:])
	if h2, ok2 := parseSlot(raw); ok2 && (!ok || h2.seq > h.seq) {
		h, ok = h2, true
	}
	require.True(t, ok)
	for _, tc := range []struct {
		name    string
		off     int64
		dropped int // Open: models dropped; -1: an error
	}{
		{"record frame", logStart, 1},
		{"commit frame", int64(h.last), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), raw...)
			binary.LittleEndian.PutUint32(b[tc.off+16:], 3<<30) // 3 GiB
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := readFrame(memWith(b).names[plPath].file(), tc.off, int64(len(b)))
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "readFrame allocated before checking the length")
			s := New()
			s.fs = memWith(b)
			rep, err := s.Open(plPath)
			if tc.dropped < 0 {
				require.ErrorIs(t, err, ErrDamaged, "the newest commit is damaged")
			} else {
				require.NoError(t, err)
				require.Len(t, rep.Dropped, tc.dropped)
			}
		})
	}
}

// FuzzOpen: any file content opens to an error or to models that passed
// their checks, without a panic; a file that opens takes a checkpoint and
// reopens to the same models.
func FuzzOpen(f *testing.F) {
	f.Add(smallMemo(f))
	if v02, err := os.ReadFile("testdata/v02.db"); err == nil {
		f.Add(v02)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, content []byte) {
		if len(content) > 1<<20 {
			return
		}
		fs := memWith(append([]byte(nil), content...))
		s := New()
		s.fs = fs
		if _, err := s.Open(plPath); err != nil {
			return
		}
		want := ExportRecords(s)
		for id, r := range want {
			_, err := decode(id, r)
			require.NoError(t, err, "a loaded model does not pass its own checks")
		}
		require.NoError(t, s.Close())
		again := New()
		again.fs = fs
		rep, err := again.Open(plPath)
		require.NoError(t, err)
		require.Empty(t, rep.Dropped)
		require.Zero(t, rep.Lost)
		require.Equal(t, want, ExportRecords(again))
		require.NoError(t, again.Close())
	})
}
