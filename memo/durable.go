package memo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A durable memo: the store persisted in an embedded transactional
// key-value store (bbolt: one file, copy-on-write B+tree, ACID transactions
// with fsync), so that a restarted index reloads its factors instead of
// cold-training every model. Open loads the file and starts tracking
// changes; Checkpoint writes the models changed since the last checkpoint
// (and deletes dropped or evicted ones) in one transaction; Close
// checkpoints and closes. A crash loses at most the changes since the last
// checkpoint: the file is always at some committed checkpoint.
//
// Record (little-endian), keyed by the 8-byte big-endian model ID:
//
//	magic "SIA2" (uint32) · n (uint32) · nrhs (uint32) · rows (int64) ·
//	EA (int32) · EB (int32) · AMax (float64) · BMax (float64) ·
//	R packed (n(n+1)/2 float64) · Qᵀb (n·nrhs) · RSS (nrhs) ·
//	CRC-32C of the key and everything before it (uint32)
//
// Records of the first format ("SIA1": no scaling fields, written by 0.1
// before scaling existed) are still read: their factors are unscaled, and
// AMax and BMax are set to bounds derived from them (|a_ij| ≤ ‖R(:,j)‖,
// |b_i| ≤ (‖Qᵀb‖² + RSS)^½).
//
// A record that fails its checks (length, magic, shape within the
// library's limits, checksum, finite values, sane scaling) is never
// trusted: Open drops it and reports it (that model then cold-trains). The
// shape is checked against MaxColumns and the record's length before
// anything is allocated.

var bucketName = []byte("models")

const (
	recordMagicV1 = 0x31414953 // "SIA1"
	recordMagic   = 0x32414953 // "SIA2"
	headerV1      = 20
	header        = 44
)

// MaxColumns bounds n and nrhs of a memoized model (the solver rejects
// larger problems before reading them).
const MaxColumns = 4096

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrNotOpen is returned by Checkpoint and Close when no durable memo is
// open.
var ErrNotOpen = errors.New("memo: no durable memo is open")

func key(id int64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	return k[:]
}

// encode serializes m for model id.
func encode(id int64, m *Model) []byte {
	nf := len(m.R) + len(m.QTB) + len(m.RSS)
	b := make([]byte, header, header+8*nf+4)
	binary.LittleEndian.PutUint32(b[0:], recordMagic)
	binary.LittleEndian.PutUint32(b[4:], uint32(m.N))
	binary.LittleEndian.PutUint32(b[8:], uint32(m.NRHS))
	binary.LittleEndian.PutUint64(b[12:], uint64(m.Rows))
	binary.LittleEndian.PutUint32(b[20:], uint32(m.EA))
	binary.LittleEndian.PutUint32(b[24:], uint32(m.EB))
	binary.LittleEndian.PutUint64(b[28:], math.Float64bits(m.AMax))
	binary.LittleEndian.PutUint64(b[36:], math.Float64bits(m.BMax))
	for _, part := range [][]float64{m.R, m.QTB, m.RSS} {
		for _, v := range part {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	crc := crc32.Update(crc32.Checksum(key(id), castagnoli), castagnoli, b)
	return binary.LittleEndian.AppendUint32(b, crc)
}

// maxExp bounds |EA| and |EB|: scaling exponents bring magnitudes between
// the smallest denormal and the largest double to about 1.
const maxExp = 1100

// decode parses and checks a record of model id.
func decode(id int64, b []byte) (*Model, error) {
	if len(b) < headerV1+4 {
		return nil, errors.New("record too short")
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Update(crc32.Checksum(key(id), castagnoli), castagnoli, body) != sum {
		return nil, errors.New("checksum mismatch")
	}
	var hdr int
	switch binary.LittleEndian.Uint32(body[0:]) {
	case recordMagic:
		hdr = header
	case recordMagicV1:
		hdr = headerV1
	default:
		return nil, errors.New("bad magic")
	}
	if len(body) < hdr {
		return nil, errors.New("record too short")
	}
	n, nrhs := int64(binary.LittleEndian.Uint32(body[4:])), int64(binary.LittleEndian.Uint32(body[8:]))
	rows := int64(binary.LittleEndian.Uint64(body[12:]))
	if n < 1 || n > MaxColumns || nrhs < 0 || nrhs > MaxColumns || rows < 0 {
		return nil, fmt.Errorf("bad shape n=%d nrhs=%d rows=%d", n, nrhs, rows)
	}
	// Length before allocation: a record with a valid checksum must still
	// not make Open allocate more than it holds.
	if int64(len(body)) != int64(hdr)+8*(n*(n+1)/2+n*nrhs+nrhs) {
		return nil, errors.New("length does not match the shape")
	}
	m := NewModel(int(n), int(nrhs))
	m.Rows = rows
	if hdr == header {
		m.EA = int32(binary.LittleEndian.Uint32(body[20:]))
		m.EB = int32(binary.LittleEndian.Uint32(body[24:]))
		m.AMax = math.Float64frombits(binary.LittleEndian.Uint64(body[28:]))
		m.BMax = math.Float64frombits(binary.LittleEndian.Uint64(body[36:]))
		if m.EA < -maxExp || m.EA > maxExp || m.EB < -maxExp || m.EB > maxExp ||
			!(m.AMax >= 0 && m.AMax <= math.MaxFloat64) || !(m.BMax >= 0 && m.BMax <= math.MaxFloat64) {
			return nil, errors.New("bad scaling")
		}
	}
	p := hdr
	for _, part := range [][]float64{m.R, m.QTB, m.RSS} {
		for i := range part {
			v := math.Float64frombits(binary.LittleEndian.Uint64(body[p:]))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("non-finite value")
			}
			part[i] = v
			p += 8
		}
	}
	if hdr == headerV1 {
		m.AMax, m.BMax = m.bounds()
	}
	return m, nil
}

// OpenReport says what Open found.
type OpenReport struct {
	Loaded  int     // models loaded
	Dropped []int64 // IDs whose records failed their checks (deleted from the file); -1 for a key that is no model ID
}

// Open opens (or creates) the durable memo at path, loads every record
// into the store — replacing in-memory memos of the same IDs; memos only in
// memory are kept and written at the next checkpoint — and tracks changes
// from then on. Only one durable memo can be open per store.
func (s *Store) Open(path string) (OpenReport, error) {
	var rep OpenReport
	s.dmu.Lock()
	defer s.dmu.Unlock()
	if s.db != nil {
		return rep, errors.New("memo: a durable memo is already open")
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return rep, fmt.Errorf("memo: open %s: %w", path, err)
	}
	loaded := map[int64]*Model{}
	err = db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketName)
		if err != nil {
			return err
		}
		var bad [][]byte
		if err := bk.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				rep.Dropped = append(rep.Dropped, -1) // not a model key at all
				bad = append(bad, append([]byte(nil), k...))
				return nil
			}
			id := int64(binary.BigEndian.Uint64(k))
			m, err := decode(id, v)
			if err != nil {
				rep.Dropped = append(rep.Dropped, id)
				bad = append(bad, append([]byte(nil), k...))
				return nil
			}
			loaded[id] = m
			return nil
		}); err != nil {
			return err
		}
		for _, k := range bad {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return rep, fmt.Errorf("memo: load %s: %w", path, err)
	}
	ids := make([]int64, 0, len(loaded))
	for id := range loaded {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		_ = s.Update(id, func(*Model) (*Model, error) { return loaded[id], nil })
	}
	rep.Loaded = len(loaded)
	s.corrupt.Add(int64(len(rep.Dropped)))
	s.mu.Lock()
	s.db = db
	s.dirty = make(map[int64]uint64)
	for id, sl := range s.slots {
		if sl.model != nil && loaded[id] == nil {
			s.markDirtyLocked(id)
		}
	}
	s.mu.Unlock()
	return rep, nil
}

// markDirtyLocked records that id changed since the last checkpoint.
// Called with s.mu held.
func (s *Store) markDirtyLocked(id int64) {
	if s.dirty == nil {
		return
	}
	s.gen++
	s.dirty[id] = s.gen
}

// peek returns a copy of id's memo (nil if none) without touching the LRU
// order.
func (s *Store) peek(id int64) *Model {
	s.mu.Lock()
	sl := s.slots[id]
	if sl == nil {
		s.mu.Unlock()
		return nil
	}
	sl.refs++
	s.mu.Unlock()
	sl.mu.Lock()
	var m *Model
	if sl.model != nil {
		m = sl.model.Clone()
	}
	sl.mu.Unlock()
	s.mu.Lock()
	sl.refs--
	if sl.refs == 0 && sl.model == nil {
		delete(s.slots, id)
	}
	s.mu.Unlock()
	return m
}

// Checkpoint writes every model changed since the last checkpoint (and
// deletes those dropped or evicted since) in one transaction, and returns
// how many records it wrote or deleted. Training may continue meanwhile;
// a model changed during the checkpoint is written again next time.
func (s *Store) Checkpoint() (int, error) {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	db := s.db
	if db == nil {
		s.mu.Unlock()
		return 0, ErrNotOpen
	}
	snap := make(map[int64]uint64, len(s.dirty))
	for id, g := range s.dirty {
		snap[id] = g
	}
	s.mu.Unlock()
	if len(snap) == 0 {
		return 0, nil
	}
	ids := make([]int64, 0, len(snap))
	for id := range snap {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	recs := make([][]byte, len(ids))
	for i, id := range ids {
		if m := s.peek(id); m != nil {
			recs[i] = encode(id, m)
		}
	}
	err := db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketName)
		for i, id := range ids {
			var err error
			if recs[i] == nil {
				err = bk.Delete(key(id))
			} else {
				err = bk.Put(key(id), recs[i])
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("memo: checkpoint: %w", err)
	}
	s.mu.Lock()
	for id, g := range snap {
		if s.dirty[id] == g {
			delete(s.dirty, id)
		}
	}
	s.mu.Unlock()
	return len(ids), nil
}

// Close checkpoints and closes the durable memo; the store stays usable in
// memory.
func (s *Store) Close() error {
	_, err := s.Checkpoint()
	if errors.Is(err, ErrNotOpen) {
		return err
	}
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	db := s.db
	s.db, s.dirty = nil, nil
	s.mu.Unlock()
	if db == nil {
		return ErrNotOpen
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}
