package memo

import (
	"sync"
	"sync/atomic"
)

// Store maps model IDs to memos. It is safe for concurrent use: operations on
// different IDs run in parallel, operations on one ID are serialized (Update's
// callback for an ID never runs concurrently with another operation on that
// ID). The zero value is not usable; call New.
type Store struct {
	mu    sync.Mutex
	slots map[int64]*slot
	count atomic.Int64
	bytes atomic.Int64
}

// slot serializes the operations on one ID. refs counts the goroutines that
// hold or wait for mu; an empty slot is removed when the last one leaves.
type slot struct {
	mu    sync.Mutex
	refs  int
	model *Model
}

// New returns an empty store.
func New() *Store {
	return &Store{slots: make(map[int64]*slot)}
}

func (s *Store) acquire(id int64) *slot {
	s.mu.Lock()
	sl := s.slots[id]
	if sl == nil {
		sl = &slot{}
		s.slots[id] = sl
	}
	sl.refs++
	s.mu.Unlock()
	sl.mu.Lock()
	return sl
}

func (s *Store) release(id int64, sl *slot) {
	sl.mu.Unlock()
	s.mu.Lock()
	sl.refs--
	if sl.refs == 0 && sl.model == nil {
		delete(s.slots, id)
	}
	s.mu.Unlock()
}

// set replaces sl's model, keeping the counters right. Called with sl locked.
func (s *Store) set(sl *slot, m *Model) {
	if old := sl.model; old != nil {
		s.count.Add(-1)
		s.bytes.Add(-Bytes(old.N, old.NRHS))
	}
	if m != nil {
		s.count.Add(1)
		s.bytes.Add(Bytes(m.N, m.NRHS))
	}
	sl.model = m
}

// Update runs fn with the current memo of id (nil if none) while holding id's
// lock. If fn returns an error, the store is left exactly as it was and the
// error is returned; fn must then not have modified cur. Otherwise next
// becomes id's memo: next may be cur itself (modified in place), a new model,
// or nil to delete the memo. fn must not keep cur or next after returning,
// nor call into the store for the same ID.
func (s *Store) Update(id int64, fn func(cur *Model) (next *Model, err error)) error {
	sl := s.acquire(id)
	defer s.release(id, sl)
	next, err := fn(sl.model)
	if err != nil {
		return err
	}
	s.set(sl, next)
	return nil
}

// Get returns a deep copy of id's memo, or nil if it has none.
func (s *Store) Get(id int64) *Model {
	sl := s.acquire(id)
	defer s.release(id, sl)
	if sl.model == nil {
		return nil
	}
	return sl.model.Clone()
}

// Drop deletes id's memo and reports whether there was one.
func (s *Store) Drop(id int64) bool {
	sl := s.acquire(id)
	defer s.release(id, sl)
	had := sl.model != nil
	s.set(sl, nil)
	return had
}

// Clear deletes every memo. Operations running concurrently on some ID are
// waited for; memos they store after Clear has passed their ID survive.
func (s *Store) Clear() {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.slots))
	for id := range s.slots {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.Drop(id)
	}
}

// Count returns the number of models with a memo.
func (s *Store) Count() int { return int(s.count.Load()) }

// Bytes returns the memory accounted to the stored memos (see Bytes).
func (s *Store) Bytes() int64 { return s.bytes.Load() }
