package memo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDamageInProcess is a small, in-process damage sweep that runs under
// -short (TestDamageSweep, the full one, runs each open in a child process
// under memory and time limits, and not under -short): a memo file written
// by several checkpoints, and testdata/v02.db (0.2's format), cut at about
// 150 lengths and with 30 bytes flipped; each damaged copy is opened in
// this process, and so is each of its first lengths (every cut of the
// first 160 bytes and of each header slot or meta page). Every open must
// return; every model that loads must equal
// what was checkpointed, byte for byte; the report's Dropped and Lost must
// add up to Stats().Corrupt; in a memo file every model missing must be
// reported (an error, or Corrupt > 0), and a cut one that does not open is
// ErrDamaged once its 8-byte magic is whole (ErrNotMemo before, ErrEmptyFile
// at length 0).
func TestDamageInProcess(t *testing.T) {
	for _, tc := range []struct {
		name   string
		strict bool
		file   func(t *testing.T, path string) map[int64][]byte
	}{
		{"memo file", true, sweepFile},
		{"0.2 file", false, v02File},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "memo.db")
			want := tc.file(t, path)
			orig, err := os.ReadFile(path)
			require.NoError(t, err)
			var ds []sweepDamage
			for i, d := range sweepDamages(len(orig), 21) {
				if i%10 == 0 || d.name[0] == 'c' && len(orig)-len(d.apply(bytes.Clone(orig))) < 8 {
					ds = append(ds, d)
				}
			}
			// Every length of the file's first 160 bytes and of both header
			// slots (memo file) or meta pages (0.2 file).
			for l := 1; l < min(2*4096+80, len(orig)); l++ {
				if l < 160 || l%4096 < 80 {
					ds = append(ds, sweepDamage{fmt.Sprintf("cut %d", l), func(b []byte) []byte { return b[:l] }})
				}
			}
			var errs, partial, intact int
			for i, d := range ds {
				p := filepath.Join(dir, fmt.Sprintf("damaged-%d.db", i))
				require.NoError(t, os.WriteFile(p, d.apply(bytes.Clone(orig)), 0o600))
				s := New()
				rep, err := s.Open(p)
				if err != nil {
					errs++
					require.Zero(t, s.Count(), "%s: failed open loaded models", d.name)
					if tc.strict && d.name[0] == 'c' {
						// A cut memo file is truncated, not foreign: its
						// magic (the first 8 bytes) is what is left of it.
						var l int
						_, _ = fmt.Sscanf(d.name, "cut %d", &l)
						switch {
						case l >= 8:
							require.ErrorIs(t, err, ErrDamaged, d.name)
						case l > 0:
							require.ErrorIs(t, err, ErrNotMemo, d.name)
						default:
							require.ErrorIs(t, err, ErrEmptyFile, d.name)
						}
					}
					continue
				}
				got := ExportRecords(s)
				for id, r := range got {
					require.Equal(t, want[id], r, "%s: model %d differs from what was checkpointed", d.name, id)
				}
				require.Equal(t, len(got), rep.Loaded, "%s: report's Loaded", d.name)
				require.Equal(t, int64(len(rep.Dropped))+rep.Lost, s.Stats().Corrupt, "%s: Dropped + Lost vs Corrupt", d.name)
				if len(got) == len(want) {
					intact++
				} else {
					partial++
					if tc.strict {
						require.Positive(t, s.Stats().Corrupt, "%s: %d of %d models loaded, loss not reported", d.name, len(got), len(want))
					}
				}
				require.NoError(t, s.Close(), d.name)
				_ = os.Remove(p)
				_ = os.Remove(p + ".new")
			}
			t.Logf("%s (%d bytes): %d damaged copies: %d errors, %d partial, %d intact", tc.name, len(orig), len(ds), errs, partial, intact)
			require.Positive(t, intact, "no damage left every model intact (a cut in the unused tail)")
			require.Positive(t, errs+partial, "no damage was noticed")
		})
	}
}

// TestReopenEmpty: a new memo file, closed without a model, reopens with no
// models and no error; so does one emptied by Clear and a checkpoint.
func TestReopenEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	s := New()
	rep, err := s.Open(path)
	require.NoError(t, err)
	require.True(t, rep.Created)
	require.NoError(t, s.Close())
	s = New()
	rep, err = s.Open(path)
	require.NoError(t, err, "reopen the new, empty file")
	require.False(t, rep.Created)
	require.Zero(t, rep.Loaded)
	setModel(s, 1, genModel(3, 1, 1))
	_, err = s.Checkpoint()
	require.NoError(t, err)
	s.Clear()
	_, err = s.Checkpoint()
	require.NoError(t, err)
	require.NoError(t, s.Close())
	s = New()
	rep, err = s.Open(path)
	require.NoError(t, err, "reopen the emptied file")
	require.Zero(t, rep.Loaded)
	require.Zero(t, s.Count())
	require.NoError(t, s.Close())
}

// TestLostCounted: a damaged older commit frame loses the models only it
// held; their number is reported (rep.Lost) and counted in
// Stats().Corrupt with the dropped records, and every model that loads is
// the one checkpointed.
func TestLostCounted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	want := sweepFile(t, path)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	// The chain of commits from the newest slot back to the oldest.
	h := newestSlot(t, raw)
	f, err := os.Open(path)
	require.NoError(t, err)
	var oldest int64
	for off := int64(h.last); off != 0; {
		p, err := readFrame(osFile{f}, off, int64(h.end))
		require.NoError(t, err)
		c, err := parseCommit(p.payload)
		require.NoError(t, err)
		oldest, off = off, int64(c.prev)
	}
	require.NoError(t, f.Close())
	require.NotEqual(t, int64(h.last), oldest, "one commit only")
	raw[oldest+frameHdr] ^= 0x10 // the oldest commit's payload
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	s := New()
	rep, err := s.Open(path)
	require.NoError(t, err)
	require.Positive(t, rep.Lost)
	require.Equal(t, int64(len(rep.Dropped))+rep.Lost, s.Stats().Corrupt)
	got := ExportRecords(s)
	require.Less(t, len(got), len(want))
	for id, r := range got {
		require.Equal(t, want[id], r, "model %d", id)
	}
	require.NoError(t, s.Close())
}

// TestForgedNewestCommit: a newest commit frame whose checksum holds but
// whose contents cannot be the checkpoint the header slot names — another
// checkpoint number, a chain that does not go backwards, a frame running
// past the end the slot names — makes the
// file ErrDamaged (the newest index frame), whatever else it holds.
func TestForgedNewestCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	sweepFile(t, path)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	h := newestSlot(t, raw)
	off := int64(h.last)
	ln := int64(binary.LittleEndian.Uint32(raw[off+16:]))
	payload := raw[off+frameHdr : off+frameHdr+ln]
	c, err := parseCommit(payload)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		seq     uint64
		payload []byte
	}{
		{"checkpoint number not the slot's", h.seq + 7, payload},
		{"previous commit at its own offset", h.seq, encodeCommit(uint64(off), c.models, c.entries)},
		// One entry more (a repeat, which a reader would skip): the frame
		// ends 24 bytes past the end the header slot names.
		{"frame ending past the checkpoint", h.seq, encodeCommit(c.prev, c.models, append(c.entries, c.entries[0]))},
	} {
		forged := bytes.Clone(raw)
		fr, _ := frame(nil, kindCommit, tc.seq, tc.payload)
		copy(forged[off:], fr)
		p := filepath.Join(t.TempDir(), "forged.db")
		require.NoError(t, os.WriteFile(p, forged, 0o600))
		s := New()
		_, err := s.Open(p)
		require.ErrorIs(t, err, ErrDamaged, tc.name)
	}
}

// TestForgedSlot: a header slot (checksum valid, newer than the other)
// whose last commit could not fit before its end is ignored — the file
// opens from the other slot, every model intact — while one whose last
// commit fits but is no commit frame is the newest index frame damaged
// (ErrDamaged).
func TestForgedSlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memo.db")
	want := sweepFile(t, path)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	h0, ok0 := parseSlot(raw[0:])
	h1, ok1 := parseSlot(raw[slotStride:])
	require.True(t, ok0 && ok1)
	h, older := h0, 1 // forge over the older slot
	if h1.seq > h0.seq {
		h, older = h1, 0
	}
	for _, tc := range []struct {
		name string
		last uint64
		ok   bool
	}{
		{"last commit would end past end", h.end - frameHdr - commitHdr + 1, true},
		{"last commit fits exactly, no commit there", h.end - frameHdr - commitHdr, false},
		{"last commit at the log's start, a record there", logStart, false},
	} {
		forged := bytes.Clone(raw)
		copy(forged[older*slotStride:], slotHeader{seq: h.seq + 1, end: h.end, last: tc.last}.bytes())
		p := filepath.Join(t.TempDir(), "forged.db")
		require.NoError(t, os.WriteFile(p, forged, 0o600))
		s := New()
		_, err := s.Open(p)
		if !tc.ok {
			require.ErrorIs(t, err, ErrDamaged, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, want, ExportRecords(s), tc.name)
		require.NoError(t, s.Close())
	}
}
