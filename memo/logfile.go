package memo

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// The memo file (format 3, since 0.3): two header slots and a log of
// checkpoints.
//
//	offset 0 and 4096: header slots, 64 bytes each, in separate pages:
//	  magic "SIAMLOG3" · seq (uint64, the checkpoint number) ·
//	  end (uint64, the file length that checkpoint committed) ·
//	  last (uint64, offset of its commit frame; 0: none yet) ·
//	  zeros · CRC-32C of bytes 0..59 (uint32 at 60)
//	offset 8192 on: frames, each
//	  magic "SIAF" (uint32) · kind (uint32: 1 record, 2 commit) ·
//	  id (uint64: the model ID, or the checkpoint's seq for a commit) ·
//	  len (uint32, of the payload) · CRC-32C of these 20 bytes and the
//	  payload (uint32) · payload
//
// A record frame's payload is a memo record (record.go). A checkpoint
// appends the record frames of the models it writes, then a commit frame
// listing the checkpoint's changes, and fsyncs: it is confirmed when that
// fsync returns (one fsync per checkpoint). Then it writes the header slot
// of its seq (seq mod 2), made durable by the next checkpoint's fsync or
// Close's. A commit's payload:
//
//	prev (uint64: offset of the previous commit frame; 0: none) ·
//	models (uint64: models in the memo after this checkpoint) · count (uint32) ·
//	count × { id (int64) · offset of its record frame (uint64; 0: deleted) ·
//	          payload length (uint32) · frame CRC (uint32) }
//
// The commit frames are thus an index chained from the newest to the
// oldest. Open takes the valid header slot of the highest seq, walks the
// chain from its last commit and loads each model's newest record; then
// it reads on from the slot's end and adopts each complete checkpoint
// chained to the previous one (one whose slot write was cut off, or whose
// newer slot was damaged). What follows is an unconfirmed tail (cut off by
// a crash) and is ignored. Damage is reported, never trusted:
//   - a record frame that fails its checks: that model is dropped (no
//     older version of it is loaded);
//   - an older commit frame that fails its checks: the models only it and
//     older ones hold are lost (counted from the newest commit's model
//     count);
//   - a file shorter than its header's end, or a damaged newest commit:
//     Open fails (nothing can be trusted to be the newest).
// Every read is bounds-checked against the file's size before anything is
// allocated: time and memory are proportional to the file's size.
//
// When the log holds more than twice the live records' bytes (plus 1 MiB),
// or Open found damage or a 0.2 file, the next checkpoint rewrites all
// models into a new file (path + ".new", fsync), renames it over the memo
// file and fsyncs the directory.

const (
	slotSize   = 64
	slotStride = 4096
	logStart   = 2 * slotStride
	frameHdr   = 24
	commitHdr  = 20
	commitEnt  = 24
	frameMagic = 0x46414953 // "SIAF"
	kindRecord = 1
	kindCommit = 2
	// growMin is the least the file grows ahead of the log.
	growMin = 16 << 10
	// maxRecord bounds a record's length (MaxColumns × MaxColumns model).
	maxRecord = header + 8*(MaxColumns*(MaxColumns+1)/2+MaxColumns*MaxColumns+MaxColumns) + 4
)

var fileMagic = [8]byte{'S', 'I', 'A', 'M', 'L', 'O', 'G', '3'}

// ErrEmptyFile is returned by Open for an existing file of length zero:
// libsia never leaves one (a new memo file is written in full, synced and
// then renamed into place), so it was emptied by something else and is
// reported rather than taken for a new memo.
var ErrEmptyFile = errors.New("memo: the file is empty (zero length): not a memo file; remove it to start a new memo")

// ErrNotMemo is returned by Open for a file that is neither a memo file
// nor a 0.2 memo file.
var ErrNotMemo = errors.New("memo: not a memo file")

// ErrDamaged is wrapped by the errors of Open for a memo file too damaged
// to load anything from it with certainty.
var ErrDamaged = errors.New("memo: the memo file is damaged")

func errDamaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, args...))
}

// slotHeader is a header slot.
type slotHeader struct {
	seq, end, last uint64
}

func (h slotHeader) bytes() []byte {
	b := make([]byte, slotSize)
	copy(b, fileMagic[:])
	binary.LittleEndian.PutUint64(b[8:], h.seq)
	binary.LittleEndian.PutUint64(b[16:], h.end)
	binary.LittleEndian.PutUint64(b[24:], h.last)
	binary.LittleEndian.PutUint32(b[60:], crc32.Checksum(b[:60], castagnoli))
	return b
}

func parseSlot(b []byte) (slotHeader, bool) {
	if len(b) < slotSize || [8]byte(b[:8]) != fileMagic ||
		crc32.Checksum(b[:60], castagnoli) != binary.LittleEndian.Uint32(b[60:]) {
		return slotHeader{}, false
	}
	h := slotHeader{binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])}
	if h.end < logStart || h.end > 1<<62 || (h.last != 0 && (h.last < logStart || h.last+frameHdr+commitHdr > h.end)) {
		return slotHeader{}, false
	}
	return h, true
}

// isLogFile reports whether head starts with a slot magic.
func isLogFile(head []byte) bool {
	return len(head) >= 8 && [8]byte(head[:8]) == fileMagic ||
		len(head) >= slotStride+8 && [8]byte(head[slotStride:slotStride+8]) == fileMagic
}

// frame appends a frame to buf.
func frame(buf []byte, kind uint32, id uint64, payload []byte) (out []byte, crc uint32) {
	var h [frameHdr]byte
	binary.LittleEndian.PutUint32(h[0:], frameMagic)
	binary.LittleEndian.PutUint32(h[4:], kind)
	binary.LittleEndian.PutUint64(h[8:], id)
	binary.LittleEndian.PutUint32(h[16:], uint32(len(payload)))
	crc = crc32.Update(crc32.Checksum(h[:20], castagnoli), castagnoli, payload)
	binary.LittleEndian.PutUint32(h[20:], crc)
	return append(append(buf, h[:]...), payload...), crc
}

// parsedFrame is a frame whose header and CRC checked.
type parsedFrame struct {
	kind    uint32
	id      uint64
	crc     uint32
	payload []byte
}

// readFrame reads the frame at off, which must end at or before limit,
// and checks its header and CRC; the payload is allocated only once its
// length is known to fit.
func readFrame(f vfile, off, limit int64) (parsedFrame, error) {
	if off < logStart || off > limit-frameHdr {
		return parsedFrame{}, errors.New("frame out of bounds")
	}
	h := make([]byte, frameHdr)
	if n, err := f.ReadAt(h, off); n < len(h) {
		return parsedFrame{}, fmt.Errorf("read at %d: %v", off, err)
	}
	p := parsedFrame{
		kind: binary.LittleEndian.Uint32(h[4:]), id: binary.LittleEndian.Uint64(h[8:]),
		crc: binary.LittleEndian.Uint32(h[20:]),
	}
	ln := int64(binary.LittleEndian.Uint32(h[16:]))
	if binary.LittleEndian.Uint32(h[0:]) != frameMagic || ln > limit-off-frameHdr ||
		(p.kind == kindRecord && ln > maxRecord) || (p.kind != kindRecord && p.kind != kindCommit) {
		return parsedFrame{}, errors.New("bad frame header")
	}
	p.payload = make([]byte, ln)
	if n, err := f.ReadAt(p.payload, off+frameHdr); int64(n) < ln {
		return parsedFrame{}, fmt.Errorf("read at %d: %v", off+frameHdr, err)
	}
	if crc32.Update(crc32.Checksum(h[:20], castagnoli), castagnoli, p.payload) != p.crc {
		return parsedFrame{}, errors.New("frame checksum mismatch")
	}
	return p, nil
}

// checkRecordFrame checks a record frame's header (b: header and payload)
// against its index entry.
func checkRecordFrame(b []byte, e commitEntry) error {
	if binary.LittleEndian.Uint32(b[0:]) != frameMagic || binary.LittleEndian.Uint32(b[4:]) != kindRecord ||
		binary.LittleEndian.Uint64(b[8:]) != uint64(e.id) || binary.LittleEndian.Uint32(b[16:]) != e.ln ||
		binary.LittleEndian.Uint32(b[20:]) != e.crc {
		return errors.New("frame does not match its index entry")
	}
	// The payload's own CRC (decode's, over the model ID and the record)
	// covers the contents; a second pass over them would only cost time.
	return nil
}

// window reads the file through a buffer of a few MiB.
type window struct {
	f   vfile
	off int64
	buf []byte
}

const windowBytes = 4 << 20

// get returns the n bytes at off, which must lie in [logStart, limit); the
// slice is valid until the next call.
func (w *window) get(off, n, limit int64) ([]byte, error) {
	if off < logStart || n < frameHdr || n > limit || off > limit-n {
		return nil, errors.New("frame out of bounds")
	}
	if off >= w.off && off+n <= w.off+int64(len(w.buf)) {
		return w.buf[off-w.off : off-w.off+n], nil
	}
	size := min(max(n, windowBytes), limit-off)
	if int64(cap(w.buf)) >= size {
		w.buf = w.buf[:size]
	} else {
		w.buf = make([]byte, size)
	}
	w.off = off
	if k, err := w.f.ReadAt(w.buf, off); int64(k) < size {
		w.buf = w.buf[:0]
		return nil, fmt.Errorf("read at %d: %v", off, err)
	}
	return w.buf[:n], nil
}

// commitEntry is one change listed by a commit frame.
type commitEntry struct {
	id  int64
	off uint64 // 0: deleted
	ln  uint32
	crc uint32
}

// commit is a parsed commit frame.
type commit struct {
	prev, models uint64
	entries      []commitEntry
}

func encodeCommit(prev, models uint64, entries []commitEntry) []byte {
	b := make([]byte, commitHdr, commitHdr+commitEnt*len(entries))
	binary.LittleEndian.PutUint64(b[0:], prev)
	binary.LittleEndian.PutUint64(b[8:], models)
	binary.LittleEndian.PutUint32(b[16:], uint32(len(entries)))
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint64(b, uint64(e.id))
		b = binary.LittleEndian.AppendUint64(b, e.off)
		b = binary.LittleEndian.AppendUint32(b, e.ln)
		b = binary.LittleEndian.AppendUint32(b, e.crc)
	}
	return b
}

func parseCommit(p []byte) (commit, error) {
	if len(p) < commitHdr {
		return commit{}, errors.New("commit too short")
	}
	c := commit{prev: binary.LittleEndian.Uint64(p[0:]), models: binary.LittleEndian.Uint64(p[8:])}
	count := int64(binary.LittleEndian.Uint32(p[16:]))
	if int64(len(p)) != commitHdr+commitEnt*count {
		return commit{}, errors.New("commit length does not match its count")
	}
	c.entries = make([]commitEntry, count)
	for i := range c.entries {
		e := p[commitHdr+commitEnt*i:]
		c.entries[i] = commitEntry{int64(binary.LittleEndian.Uint64(e)), binary.LittleEndian.Uint64(e[8:]),
			binary.LittleEndian.Uint32(e[16:]), binary.LittleEndian.Uint32(e[20:])}
	}
	return c, nil
}

// logState is where the log stands: the next checkpoint appends at end,
// chains to last and writes slot seq+1.
type logState struct {
	seq       uint64
	end, last int64
	alloc     int64           // the file's length: zeros from end on, written ahead
	live      map[int64]int64 // model ID → bytes of its newest record frame
	liveBytes int64
}

func (st *logState) setLive(id, bytes int64) {
	if old, ok := st.live[id]; ok {
		st.liveBytes -= old
	}
	if bytes < 0 {
		delete(st.live, id)
		return
	}
	st.live[id] = bytes
	st.liveBytes += bytes
}

// recovered is what recoverLog read.
type recovered struct {
	logState
	models  map[int64]*Model
	dropped []int64 // IDs whose newest record failed its checks
	lost    int64   // models lost with an older commit frame (IDs unknown)
}

// recoverLog reads a format-3 memo file of the given size (head: its
// first min(size, logStart) bytes).
func recoverLog(f vfile, size int64, head []byte) (*recovered, error) {
	if size < logStart {
		return nil, errDamaged("%d bytes, shorter than the memo file's header (%d)", size, logStart)
	}
	h0, ok0 := parseSlot(head[0:])
	h1, ok1 := parseSlot(head[slotStride:])
	var h slotHeader
	switch {
	case ok0 && ok1:
		h = h0
		if h1.seq > h0.seq {
			h = h1
		}
	case ok0:
		h = h0
	case ok1:
		h = h1
	default:
		return nil, errDamaged("both header slots are damaged")
	}
	if int64(h.end) > size {
		return nil, errDamaged("truncated: %d bytes, checkpoint %d ended at %d", size, h.seq, h.end)
	}
	r := &recovered{
		logState: logState{seq: h.seq, end: int64(h.end), last: int64(h.last), alloc: size, live: map[int64]int64{}},
		models:   map[int64]*Model{},
	}
	seen := map[int64]bool{}
	win := &window{f: f}
	var headModels uint64
	// The chain of commits, newest first.
	for off, seq, first := int64(h.last), h.seq, true; off != 0; seq, first = seq-1, false {
		p, err := readFrame(f, off, int64(h.end))
		var c commit
		if err == nil && (p.kind != kindCommit || p.id != seq) {
			err = errors.New("not the expected commit frame")
		}
		if err == nil {
			c, err = parseCommit(p.payload)
		}
		if err == nil && c.prev != 0 && (int64(c.prev) < logStart || int64(c.prev) >= off) {
			err = errors.New("commit chain does not go backwards")
		}
		if err != nil {
			if first {
				return nil, errDamaged("the newest commit (checkpoint %d, at %d): %v", seq, off, err)
			}
			r.lost = -1 // counted below from the newest commit's model count
			break
		}
		if first {
			headModels = c.models
		}
		var toRead []commitEntry
		for _, e := range c.entries {
			if seen[e.id] {
				continue
			}
			seen[e.id] = true
			if e.off != 0 {
				toRead = append(toRead, e)
			}
		}
		// In file order, through a window of a few MiB: one read for many
		// records.
		slices.SortFunc(toRead, func(a, b commitEntry) int { return cmp.Compare(a.off, b.off) })
		for _, e := range toRead {
			var m *Model
			b, err := win.get(int64(e.off), frameHdr+int64(e.ln), off)
			if err == nil {
				err = checkRecordFrame(b, e)
			}
			if err == nil {
				m, err = decode(e.id, b[frameHdr:])
			}
			if err != nil {
				r.dropped = append(r.dropped, e.id)
				continue
			}
			r.models[e.id] = m
			r.setLive(e.id, frameHdr+int64(e.ln))
		}
		off = int64(c.prev)
	}
	// Complete checkpoints after the header's end, chained to it.
	pending := map[int64]parsedFrame{}
	for pos := r.end; pos <= size-frameHdr; {
		p, err := readFrame(f, pos, size)
		if err != nil {
			break
		}
		next := pos + frameHdr + int64(len(p.payload))
		if p.kind == kindRecord {
			pending[pos] = p
			pos = next
			continue
		}
		c, err := parseCommit(p.payload)
		if err != nil || p.id != r.seq+1 || int64(c.prev) != r.last {
			break
		}
		adopt := map[int64]*Model{}
		for _, e := range c.entries {
			if e.off == 0 {
				continue
			}
			rf, ok := pending[int64(e.off)]
			if !ok || rf.id != uint64(e.id) || rf.crc != e.crc || len(rf.payload) != int(e.ln) {
				break
			}
			m, err := decode(e.id, rf.payload)
			if err != nil {
				break
			}
			adopt[e.id] = m
		}
		if len(adopt) != countPuts(c.entries) {
			break // a torn checkpoint: ignored
		}
		for _, e := range c.entries {
			r.dropped = removeID(r.dropped, e.id)
			seen[e.id] = true
			if e.off == 0 {
				delete(r.models, e.id)
				r.setLive(e.id, -1)
			} else {
				r.models[e.id] = adopt[e.id]
				r.setLive(e.id, frameHdr+int64(e.ln))
			}
		}
		headModels = c.models
		r.seq, r.last, r.end = r.seq+1, pos, next
		pending = map[int64]parsedFrame{}
		pos = next
	}
	if have := uint64(len(r.models) + len(r.dropped)); r.lost != 0 || have != headModels {
		r.lost = 1
		if headModels > have {
			r.lost = int64(headModels - have)
		}
	}
	return r, nil
}

func countPuts(es []commitEntry) int {
	n := 0
	for _, e := range es {
		if e.off != 0 {
			n++
		}
	}
	return n
}

func removeID(ids []int64, id int64) []int64 {
	for i, x := range ids {
		if x == id {
			return append(ids[:i], ids[i+1:]...)
		}
	}
	return ids
}

// appendCheckpoint appends the frames of one checkpoint (recs[i]: the
// record of ids[i], nil to delete it) at st.end and commits it: fsync,
// then the header slot. st is updated only on success.
func appendCheckpoint(f vfile, st *logState, ids []int64, recs [][]byte) error {
	buf := make([]byte, 0, logBytes(recs)+frameHdr+commitHdr+commitEnt*len(ids))
	entries := make([]commitEntry, len(ids))
	models := int64(len(st.live))
	for i, id := range ids {
		entries[i].id = id
		_, was := st.live[id]
		if recs[i] == nil {
			if was {
				models--
			}
			continue
		}
		if !was {
			models++
		}
		entries[i].off = uint64(st.end) + uint64(len(buf))
		entries[i].ln = uint32(len(recs[i]))
		buf, entries[i].crc = frame(buf, kindRecord, uint64(id), recs[i])
	}
	commitOff := st.end + int64(len(buf))
	buf, _ = frame(buf, kindCommit, st.seq+1, encodeCommit(uint64(st.last), uint64(models), entries))
	// The file grows ahead of the log, by zeros written (not a hole), so
	// that most checkpoints overwrite allocated blocks and their fdatasync
	// has no metadata to commit. Open's scan stops at the zeros.
	newEnd, alloc := st.end+int64(len(buf)), st.alloc
	if newEnd > alloc {
		alloc = (newEnd + max(growMin, newEnd/8) + 4095) / 4096 * 4096
		buf = append(buf, make([]byte, alloc-newEnd)...)
	}
	if _, err := f.WriteAt(buf, st.end); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return &syncError{err}
	}
	// Confirmed: the frames are durable, and Open adopts a complete
	// checkpoint chained to the header's even if the header slot below
	// never reaches the disk. The slot is made durable by the next
	// checkpoint's fsync (or Close's); a failed write of it leaves the
	// older slot, from which Open finds this checkpoint the same way.
	h := slotHeader{seq: st.seq + 1, end: uint64(newEnd), last: uint64(commitOff)}
	_, _ = f.WriteAt(h.bytes(), int64(h.seq%2)*slotStride)
	st.seq, st.end, st.last, st.alloc = h.seq, int64(h.end), commitOff, max(alloc, int64(h.end))
	for i, id := range ids {
		if recs[i] == nil {
			st.setLive(id, -1)
		} else {
			st.setLive(id, frameHdr+int64(len(recs[i])))
		}
	}
	return nil
}

func logBytes(recs [][]byte) int {
	n := 0
	for _, r := range recs {
		if r != nil {
			n += frameHdr + len(r)
		}
	}
	return n
}

// writeNewFile writes a complete memo file holding recs (by ids) as one
// checkpoint of number seq into f (a new, empty file) and syncs it; the
// caller renames it into place.
func writeNewFile(f vfile, seq uint64, ids []int64, recs [][]byte) (logState, error) {
	st := logState{seq: seq - 1, end: logStart, live: map[int64]int64{}}
	blk := make([]byte, logStart)
	if len(ids) == 0 {
		// An empty memo: a header slot and no commit.
		copy(blk[int64(seq%2)*slotStride:], slotHeader{seq: seq, end: logStart}.bytes())
	}
	if _, err := f.WriteAt(blk, 0); err != nil {
		return st, err
	}
	if len(ids) > 0 {
		if err := appendCheckpoint(f, &st, ids, recs); err != nil {
			return st, err
		}
	}
	// The header slot too before the rename: a file without a valid slot
	// is not a memo file.
	if err := f.Sync(); err != nil {
		return st, &syncError{err}
	}
	if len(ids) == 0 {
		st.seq = seq
	}
	return st, nil
}

// syncError is a failed fsync: after one, the kernel may have dropped the
// dirty pages it could not write, so no later write to the file is
// trusted until it is reopened.
type syncError struct{ err error }

func (e *syncError) Error() string { return "fsync: " + e.err.Error() }
func (e *syncError) Unwrap() error { return e.err }
