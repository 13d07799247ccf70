package memo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// A durable memo: the store persisted in one file (logfile.go: a log of
// checkpoints with CRC-32C on every frame, an index per checkpoint and two
// header slots, written with write + fsync; no mmap), so that a restarted
// index reloads its factors instead of cold-training every model. Open
// loads the file and starts tracking changes; Checkpoint writes the models
// changed since the last checkpoint (and deletes dropped or evicted ones)
// as one checkpoint; Close checkpoints and closes. A crash (or power loss,
// with a disk that honours fsync) loses at most the changes since the last
// confirmed checkpoint: Open finds that checkpoint or a later complete one.
//
// Files written by 0.2 (bbolt's format) are read by a bounds-checked
// reader of that format (legacy.go) and rewritten in the current format
// by the first checkpoint.

// ErrNotOpen is returned by Checkpoint and Close when no durable memo is
// open.
var ErrNotOpen = errors.New("memo: no durable memo is open")

// lockTimeout is how long Open waits for another process's lock.
const lockTimeout = 2 * time.Second

// compactSlack: a checkpoint rewrites the file once the log exceeds twice
// the live records' bytes plus compactSlack (a variable for tests).
var compactSlack int64 = 1 << 20

// durableFile is an open memo file.
type durableFile struct {
	fs      vfs
	path    string
	f       vfile
	st      logState
	compact bool  // the next checkpoint rewrites the file (damage found, a 0.2 file, or a long log)
	failed  error // an fsync failed: nothing more is written until reopened
}

// OpenReport says what Open found.
type OpenReport struct {
	Created bool    // no file existed at path: a new, empty memo file was created
	Legacy  bool    // a 0.2 file (bbolt's format), rewritten by the next checkpoint
	Loaded  int     // models loaded
	Dropped []int64 // IDs whose records failed their checks (-1 for a key that is no model ID)
	// Lost counts models lost with a damaged part of the file's index (or,
	// in a 0.2 file, damaged pages) whose IDs are unknown.
	Lost int64
}

// Open opens the durable memo at path, or creates it if no file exists
// there, loads every record into the store — replacing in-memory memos of
// the same IDs; memos only in memory are kept and written at the next
// checkpoint — and tracks changes from then on. Only one durable memo can
// be open per store, and a file by one process (or store) at a time.
//
// A new memo is told from an emptied one by the file's existence: Open
// creates a file only where none exists (rep.Created). An existing file of
// length zero (ErrEmptyFile), one that is not a memo file (ErrNotMemo) or
// one too damaged to trust (ErrDamaged: truncated, both header slots or
// the newest index frame damaged) is an error and is left as it is.
// Records that fail their checks are dropped (rep.Dropped), models lost
// with a damaged older index frame counted (rep.Lost); both add to
// Stats().Corrupt, and the next checkpoint rewrites the file without them.
func (s *Store) Open(path string) (OpenReport, error) {
	var rep OpenReport
	s.dmu.Lock()
	defer s.dmu.Unlock()
	if s.df != nil {
		return rep, errors.New("memo: a durable memo is already open")
	}
	fs := s.fs
	if fs == nil {
		fs = osFS{}
	}
	f, err := fs.Open(path, lockTimeout)
	if errors.Is(err, os.ErrNotExist) {
		if err = createFile(fs, path); err != nil {
			return rep, fmt.Errorf("memo: create %s: %w", path, err)
		}
		rep.Created = true
		f, err = fs.Open(path, lockTimeout)
	}
	if err != nil {
		return rep, fmt.Errorf("memo: open %s: %w", path, err)
	}
	df := &durableFile{fs: fs, path: path, f: f}
	loaded, err := df.load(&rep)
	if err != nil {
		_ = f.Close()
		return OpenReport{}, fmt.Errorf("memo: load %s: %w", path, err)
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
	s.corrupt.Add(int64(len(rep.Dropped)) + rep.Lost)
	s.mu.Lock()
	s.df = df
	s.dirty = make(map[int64]uint64)
	for id, sl := range s.slots {
		if sl.model != nil && loaded[id] == nil {
			s.markDirtyLocked(id)
		}
	}
	s.mu.Unlock()
	return rep, nil
}

// createFile writes an empty memo file to path + ".new", syncs it and
// renames it to path: a crash leaves either no file or a complete one.
func createFile(fs vfs, path string) error {
	tmp := path + ".new"
	nf, err := fs.Create(tmp)
	if err != nil {
		return err
	}
	_, err = writeNewFile(nf, 1, nil, nil)
	if cerr := nf.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Rename(tmp, path)
	}
	if err != nil {
		_ = fs.Remove(tmp)
		return err
	}
	return fs.SyncDir(filepath.Dir(path))
}

// load reads the open file: its models, and the state for appending.
func (df *durableFile) load(rep *OpenReport) (map[int64]*Model, error) {
	size, err := df.f.Size()
	if err != nil {
		return nil, err
	}
	if size == 0 {
		return nil, ErrEmptyFile
	}
	head := make([]byte, min(size, logStart))
	if n, err := df.f.ReadAt(head, 0); n < len(head) {
		return nil, err
	}
	switch {
	case isLogFile(head):
		r, err := recoverLog(df.f, size, head)
		if err != nil {
			return nil, err
		}
		df.st = r.logState
		rep.Dropped, rep.Lost = r.dropped, r.lost
		df.compact = len(r.dropped) > 0 || r.lost > 0
		return r.models, nil
	case isBolt(head) || len(head) > slotStride && isBolt(head[slotStride:]):
		loaded, dropped, damaged, err := readLegacy(df.f, size, head)
		if err != nil {
			return nil, err
		}
		df.st = logState{live: map[int64]int64{}}
		rep.Legacy, rep.Dropped, rep.Lost = true, dropped, int64(damaged)
		df.compact = true
		return loaded, nil
	default:
		return nil, ErrNotMemo
	}
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
		s.deleteSlotLocked(id)
	}
	s.mu.Unlock()
	return m
}

// Checkpoint writes every model changed since the last checkpoint (and
// deletes those dropped or evicted since) as one checkpoint, confirmed
// when it returns without error, and returns how many models it wrote or
// deleted. Training may continue meanwhile: each model is written as it is
// when the checkpoint copies it, and one changed after its change was
// noted is written again by the next checkpoint. On error nothing of this
// checkpoint is confirmed and the changes stay pending; after a failed
// fsync every later checkpoint fails (reopen the file).
func (s *Store) Checkpoint() (int, error) {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	return s.checkpointLocked()
}

// checkpointLocked is Checkpoint with s.dmu held.
func (s *Store) checkpointLocked() (int, error) {
	s.mu.Lock()
	df := s.df
	if df == nil {
		s.mu.Unlock()
		return 0, ErrNotOpen
	}
	if df.failed != nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("memo: checkpoint: an earlier fsync failed (%w); reopen the memo", df.failed)
	}
	compact := df.compact || df.st.end-logStart > 2*df.st.liveBytes+compactSlack
	snap := make(map[int64]uint64, len(s.dirty))
	for id, g := range s.dirty {
		snap[id] = g
	}
	var ids []int64
	if compact {
		for id, sl := range s.slots {
			if sl.model != nil {
				ids = append(ids, id)
			}
		}
	} else {
		for id := range snap {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	if !compact && len(ids) == 0 {
		return 0, nil
	}
	slices.Sort(ids)
	recs := make([][]byte, len(ids))
	for i, id := range ids {
		if m := s.peek(id); m != nil {
			recs[i] = encode(id, m)
		}
	}
	var err error
	if compact {
		err = df.rewrite(ids, recs)
	} else {
		err = appendCheckpoint(df.f, &df.st, ids, recs)
	}
	if err != nil {
		var se *syncError
		if errors.As(err, &se) {
			df.failed = err
		}
		return 0, fmt.Errorf("memo: checkpoint: %w", err)
	}
	s.mu.Lock()
	for id, g := range snap {
		if s.dirty[id] == g {
			delete(s.dirty, id)
		}
	}
	s.mu.Unlock()
	return len(snap), nil
}

// rewrite writes the models (recs by ids; nil: deleted meanwhile) into a
// new file, syncs it, renames it over the memo file and syncs the
// directory.
func (df *durableFile) rewrite(ids []int64, recs [][]byte) error {
	live, liveRecs := ids[:0:0], recs[:0:0]
	for i, r := range recs {
		if r != nil {
			live, liveRecs = append(live, ids[i]), append(liveRecs, r)
		}
	}
	tmp := df.path + ".new"
	nf, err := df.fs.Create(tmp)
	if err != nil {
		return err
	}
	st, err := writeNewFile(nf, df.st.seq+1, live, liveRecs)
	if err == nil {
		err = df.fs.Rename(tmp, df.path)
	}
	if err != nil {
		_ = nf.Close()
		_ = df.fs.Remove(tmp)
		return err
	}
	_ = df.f.Close()
	df.f, df.st, df.compact = nf, st, false
	if err := df.fs.SyncDir(filepath.Dir(df.path)); err != nil {
		return &syncError{err}
	}
	return nil
}

// Close checkpoints and closes the durable memo; the store stays usable in
// memory.
func (s *Store) Close() error {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	_, err := s.checkpointLocked()
	if errors.Is(err, ErrNotOpen) {
		return err
	}
	s.mu.Lock()
	df := s.df
	s.df, s.dirty = nil, nil
	s.mu.Unlock()
	if df == nil {
		return ErrNotOpen
	}
	if df.failed == nil {
		// The last header slot written (see appendCheckpoint).
		if serr := df.f.Sync(); err == nil && serr != nil {
			err = fmt.Errorf("memo: close: fsync: %w", serr)
		}
	}
	if cerr := df.f.Close(); err == nil {
		err = cerr
	}
	return err
}
