package memo

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// memVFile is an in-memory vfile holding b (no power-cut model).
func memVFile(b []byte) (vfile, *memInode) {
	in := &memInode{data: b}
	return in.file(), in
}

// countingFile counts its ReadAt calls.
type countingFile struct {
	vfile
	reads int
}

func (f *countingFile) ReadAt(p []byte, off int64) (int, error) {
	f.reads++
	return f.vfile.ReadAt(p, off)
}

// TestLogParseEdges: the parsers of the memo file at their exact bounds —
// a header slot of exactly 64 bytes whose end is the log's start (an empty
// memo), a head whose only magic is the second slot's and that ends right
// after it, a slot whose end is the largest accepted (1<<62), a commit of no entry (exactly its 20-byte header), a live record
// of 0 bytes — are accepted.
func TestLogParseEdges(t *testing.T) {
	b := slotHeader{seq: 3, end: logStart}.bytes()
	require.Len(t, b, slotSize)
	h, ok := parseSlot(b)
	require.True(t, ok, "a 64-byte slot ending at the log's start")
	require.Equal(t, slotHeader{seq: 3, end: logStart}, h)
	b = slotHeader{seq: 3, end: logStart - 1}.bytes()
	_, ok = parseSlot(b)
	require.False(t, ok, "end before the log's start")
	h, ok = parseSlot(slotHeader{seq: 3, end: 1 << 62}.bytes())
	require.True(t, ok, "end at the largest accepted")
	require.Equal(t, uint64(1<<62), h.end)
	_, ok = parseSlot(slotHeader{seq: 3, end: 1<<62 + 1}.bytes())
	require.False(t, ok, "end past the largest accepted")

	head := make([]byte, slotStride+8)
	copy(head[slotStride:], fileMagic[:])
	require.True(t, isLogFile(head), "second slot's magic, head ending right after it")
	require.False(t, isLogFile(head[:slotStride+7]), "second slot's magic cut")

	c, err := parseCommit(encodeCommit(logStart, 4, nil))
	require.NoError(t, err, "a commit of no entry")
	require.Equal(t, commit{prev: logStart, models: 4, entries: []commitEntry{}}, c)
	_, err = parseCommit(make([]byte, commitHdr-1))
	require.Error(t, err)

	st := logState{live: map[int64]int64{}}
	st.setLive(1, 0)
	st.setLive(2, 30)
	require.Equal(t, map[int64]int64{1: 0, 2: 30}, st.live, "a 0-byte entry is live, only a negative one deletes")
	st.setLive(2, -1)
	require.Equal(t, map[int64]int64{1: 0}, st.live)
	require.Zero(t, st.liveBytes)
}

// TestReadFrameBounds: readFrame reads a frame at the log's very start
// that ends exactly at its limit, and refuses, as out of bounds (before
// reading anything), one that starts less than a frame header before the
// limit.
func TestReadFrameBounds(t *testing.T) {
	payload := []byte("0123456789")
	fr, crc := frame(nil, kindRecord, 7, payload)
	data := append(make([]byte, logStart), fr...)
	size := int64(len(data))
	f, _ := memVFile(data)
	p, err := readFrame(f, logStart, size)
	require.NoError(t, err, "frame at the log's start, ending at the limit")
	require.Equal(t, parsedFrame{kind: kindRecord, id: 7, crc: crc, payload: payload}, p)
	for _, tc := range []struct{ off, limit int64 }{
		{size - frameHdr + 1, size},
		{size - 1, size},
		{logStart + 1, logStart + frameHdr},
		{logStart - 1, size},
	} {
		_, err := readFrame(f, tc.off, tc.limit)
		require.ErrorContains(t, err, "out of bounds", "off %d limit %d", tc.off, tc.limit)
	}
	// A frame of no payload, ending exactly at the limit.
	empty, _ := frame(nil, kindRecord, 8, nil)
	f2, _ := memVFile(append(bytes.Clone(data), empty...))
	p, err = readFrame(f2, size, size+frameHdr)
	require.NoError(t, err, "an empty frame ending at the limit")
	require.Equal(t, uint64(8), p.id)
	require.Empty(t, p.payload)
	_, err = readFrame(f, logStart, size-1)
	require.ErrorContains(t, err, "bad frame header", "payload past the limit")
}

// TestWindowGet: the read window returns the bytes asked for, refuses a
// range not within [logStart, limit), serves a range that lies within
// what it holds (even exactly) without reading again, and rereads one
// that does not.
func TestWindowGet(t *testing.T) {
	data := make([]byte, logStart+200)
	for i := range data {
		data[i] = byte(i * 7)
	}
	mf, _ := memVFile(data)
	f := &countingFile{vfile: mf}
	w := &window{f: f}
	b, err := w.get(logStart, frameHdr, logStart+48)
	require.NoError(t, err, "at the log's start")
	require.Equal(t, data[logStart:logStart+frameHdr], b)
	require.Equal(t, 1, f.reads)
	b, err = w.get(logStart, 48, logStart+48)
	require.NoError(t, err)
	require.Equal(t, data[logStart:logStart+48], b, "exactly the window")
	require.Equal(t, 1, f.reads, "within the window: no read")
	b, err = w.get(logStart+24, 48, logStart+100)
	require.NoError(t, err)
	require.Equal(t, data[logStart+24:logStart+72], b, "past the window")
	require.Equal(t, 2, f.reads)
	for _, tc := range []struct{ off, n, limit int64 }{
		{logStart + 180, frameHdr, logStart + 200},
		{logStart + 177, frameHdr, logStart + 200},
		{logStart - 1, frameHdr, logStart + 200},
		{logStart, frameHdr - 1, logStart + 200},
		{logStart, 300, logStart + 200},
	} {
		_, err := w.get(tc.off, tc.n, tc.limit)
		require.ErrorContains(t, err, "out of bounds", "off %d n %d limit %d", tc.off, tc.n, tc.limit)
	}
	b, err = w.get(logStart+176, frameHdr, logStart+200)
	require.NoError(t, err, "ending exactly at the limit")
	require.Equal(t, data[logStart+176:logStart+200], b)
}

// TestWriteNewFileSlot: writeNewFile writes its checkpoint's header slot
// at slot seq mod 2, for an empty memo and for one with models, and
// returns the state of checkpoint seq; the file is grown ahead of the log
// by at least growMin, to a multiple of 4096 bytes, except by a checkpoint
// that fits exactly in what was allocated, which does not grow it.
func TestWriteNewFileSlot(t *testing.T) {
	rec := encode(9, genModel(3, 1, 2))
	for _, seq := range []uint64{1, 2, 3, 6} {
		for _, empty := range []bool{true, false} {
			f, in := memVFile(nil)
			var ids []int64
			var recs [][]byte
			if !empty {
				ids, recs = []int64{9}, [][]byte{rec}
			}
			st, err := writeNewFile(f, seq, ids, recs)
			require.NoError(t, err)
			require.Equal(t, seq, st.seq, "seq %d empty %v", seq, empty)
			h, ok := parseSlot(in.data[int64(seq%2)*slotStride:])
			require.True(t, ok, "seq %d empty %v: slot %d", seq, empty, seq%2)
			require.Equal(t, seq, h.seq)
			require.Equal(t, uint64(st.end), h.end)
			_, ok = parseSlot(in.data[int64(1-seq%2)*slotStride:])
			require.False(t, ok, "seq %d empty %v: the other slot is blank", seq, empty)
			if empty {
				continue
			}
			size := int64(len(in.data))
			require.Zero(t, size%4096, "seq %d: grown to %d", seq, size)
			require.GreaterOrEqual(t, size, st.end+growMin, "seq %d: grown ahead by growMin", seq)
			require.Equal(t, size, st.alloc)

			// A checkpoint that fills the allocation exactly does not grow it.
			rec2 := encode(10, genModel(2, 1, 4))
			need := int64(frameHdr+len(rec2)) + frameHdr + commitHdr + commitEnt
			st.alloc = st.end + need
			in.data = in.data[:st.alloc]
			require.NoError(t, appendCheckpoint(f, &st, []int64{10}, [][]byte{rec2}))
			require.Equal(t, st.end, st.alloc, "seq %d: exact fit", seq)
			require.Equal(t, st.end, int64(len(in.data)), "seq %d: exact fit grew the file", seq)
			h, ok = parseSlot(in.data[int64((seq+1)%2)*slotStride:])
			require.True(t, ok)
			require.Equal(t, seq+1, h.seq)
		}
	}
}

// logBuilder writes a memo file checkpoint by checkpoint into memory.
type logBuilder struct {
	t  *testing.T
	f  vfile
	in *memInode
	st logState
}

func newLogBuilder(t *testing.T, ids []int64, recs [][]byte) *logBuilder {
	f, in := memVFile(nil)
	st, err := writeNewFile(f, 1, ids, recs)
	require.NoError(t, err)
	return &logBuilder{t, f, in, st}
}

// ckpt appends a checkpoint and returns the offset of its commit frame.
func (b *logBuilder) ckpt(ids []int64, recs [][]byte) int64 {
	require.NoError(b.t, appendCheckpoint(b.f, &b.st, ids, recs))
	return b.st.last
}

func (b *logBuilder) recover() (*recovered, error) {
	data := bytes.Clone(b.in.data)
	f, _ := memVFile(data)
	return recoverLog(f, int64(len(data)), data[:min(len(data), logStart)])
}

// TestRecoverLogAccounting: what recoverLog reports — the live bytes of
// each model's newest record (read through the index or adopted from the
// tail), models deleted by an adopted checkpoint no longer live, the exact
// number of models lost with a damaged older commit (at least one when the
// newest count still matches), a chain whose oldest commit sits at the
// log's very start, and two slots of the same checkpoint number.
func TestRecoverLogAccounting(t *testing.T) {
	recA := encode(1, genModel(3, 1, 1))
	recB := encode(2, genModel(2, 2, 2))
	recC := encode(3, genModel(4, 1, 3))
	recA2 := encode(1, genModel(2, 1, 5))

	t.Run("live bytes, tail adoption", func(t *testing.T) {
		b := newLogBuilder(t, []int64{1, 2, 3}, [][]byte{recA, recB, recC})
		r, err := b.recover()
		require.NoError(t, err)
		want := map[int64]int64{1: frameHdr + int64(len(recA)), 2: frameHdr + int64(len(recB)), 3: frameHdr + int64(len(recC))}
		require.Equal(t, want, r.live)
		require.Equal(t, want[1]+want[2]+want[3], r.liveBytes)
		require.Zero(t, r.lost)
		// A checkpoint whose header slot never reached the file: adopted
		// from the tail.
		slots := bytes.Clone(b.in.data[:logStart])
		b.ckpt([]int64{1, 2}, [][]byte{recA2, nil})
		copy(b.in.data, slots)
		r, err = b.recover()
		require.NoError(t, err)
		require.Equal(t, uint64(2), r.seq, "tail checkpoint adopted")
		want = map[int64]int64{1: frameHdr + int64(len(recA2)), 3: frameHdr + int64(len(recC))}
		require.Equal(t, want, r.live, "model 2 deleted, model 1 rewritten")
		require.Equal(t, want[1]+want[3], r.liveBytes)
		require.Len(t, r.models, 2)
		require.Zero(t, r.lost)
	})

	t.Run("lost counted exactly", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			second []int64
			lost   int64
			loaded int
		}{
			{"two of three only in the damaged commit", []int64{1}, 2, 1},
			{"all rewritten: counts match, still one lost", []int64{1, 2, 3}, 1, 3},
		} {
			b := newLogBuilder(t, []int64{1, 2, 3}, [][]byte{recA, recB, recC})
			first := b.st.last
			recs := map[int64][]byte{1: recA2, 2: recB, 3: recC}
			var rs [][]byte
			for _, id := range tc.second {
				rs = append(rs, recs[id])
			}
			b.ckpt(tc.second, rs)
			b.in.data[first+frameHdr+9] ^= 0x40 // the older commit's model count: its CRC fails
			r, err := b.recover()
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.lost, r.lost, tc.name)
			require.Len(t, r.models, tc.loaded, tc.name)
			require.Empty(t, r.dropped, tc.name)
		}
	})

	t.Run("oldest commit at the log's start", func(t *testing.T) {
		// A first checkpoint of deletions only: its commit frame is the
		// first frame of the log.
		b := newLogBuilder(t, []int64{5}, [][]byte{nil})
		require.Equal(t, int64(logStart), b.st.last)
		b.ckpt([]int64{1}, [][]byte{recA})
		r, err := b.recover()
		require.NoError(t, err)
		require.Len(t, r.models, 1)
		require.Zero(t, r.lost)
		require.Equal(t, uint64(2), r.seq)
	})

	t.Run("two slots of the same checkpoint", func(t *testing.T) {
		b := newLogBuilder(t, []int64{1}, [][]byte{recA})
		b.ckpt([]int64{2}, [][]byte{recB})
		size := uint64(len(b.in.data))
		// Slot 0 holds checkpoint 2; slot 1 (checkpoint 1) is forged to
		// claim checkpoint 2 too, ending past the file: the first is taken.
		h, ok := parseSlot(b.in.data)
		require.True(t, ok)
		require.Equal(t, uint64(2), h.seq)
		copy(b.in.data[slotStride:], slotHeader{seq: 2, end: size + 1}.bytes())
		r, err := b.recover()
		require.NoError(t, err)
		require.Len(t, r.models, 2)
	})
}
