package memo

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Store maps model IDs to memos. It is safe for concurrent use: operations on
// different IDs run in parallel, operations on one ID are serialized (an
// update callback for an ID never runs concurrently with another operation
// on that ID).
//
// A store may be bounded (SetLimit): when the memos' accounted bytes exceed
// the limit, the least recently used memos that no call is using are
// evicted. The zero value is not usable; call New.
type Store struct {
	mu    sync.Mutex // guards slots, the LRU list, slot.refs and slot.model writes
	slots map[int64]*slot
	// slotsHigh is the most IDs slots has held since it was last rebuilt: a
	// Go map keeps its memory when entries are deleted, so deleteSlotLocked
	// rebuilds it once it falls to a quarter of that.
	slotsHigh int
	lru       slot // sentinel of the circular LRU list of slots holding a model; lru.next is the most recent

	// Durable memo (durable.go): df and dirty are guarded by mu; dmu
	// serializes Open, Checkpoint and Close. fs is the file layer (nil:
	// the operating system's; tests set another).
	dmu     sync.Mutex
	df      *durableFile
	fs      vfs
	dirty   map[int64]uint64 // IDs changed since the last checkpoint → generation
	gen     uint64
	corrupt atomic.Int64

	limit     atomic.Int64 // bytes; ≤ 0: unbounded
	count     atomic.Int64
	bytes     atomic.Int64
	hits      atomic.Int64
	misses    atomic.Int64
	evictions atomic.Int64
}

// slot serializes the operations on one ID. refs counts the goroutines that
// hold or wait for mu; a slot without model is removed when the last one
// leaves. model is written with both mu and Store.mu held, so it may be read
// with either.
type slot struct {
	id         int64
	mu         sync.Mutex
	refs       int
	model      *Model
	prev, next *slot
}

// New returns an empty, unbounded store.
func New() *Store {
	s := &Store{slots: make(map[int64]*slot)}
	s.lru.prev, s.lru.next = &s.lru, &s.lru
	return s
}

// acquire locks the slots of ids (sorted, without duplicates) in order, so
// that multi-ID operations cannot deadlock, and marks their models as used.
func (s *Store) acquire(ids ...int64) []*slot {
	s.mu.Lock()
	sls := make([]*slot, len(ids))
	for i, id := range ids {
		sl := s.slots[id]
		if sl == nil {
			sl = &slot{id: id}
			s.slots[id] = sl
			s.slotsHigh = max(s.slotsHigh, len(s.slots))
		}
		sl.refs++
		if sl.model != nil {
			s.unlink(sl)
			s.pushFront(sl)
		}
		sls[i] = sl
	}
	s.mu.Unlock()
	for _, sl := range sls {
		sl.mu.Lock()
	}
	return sls
}

// release unlocks the slots, drops empty ones and evicts over the limit.
func (s *Store) release(sls []*slot) {
	for _, sl := range slices.Backward(sls) {
		sl.mu.Unlock()
	}
	s.mu.Lock()
	for _, sl := range sls {
		sl.refs--
		if sl.refs == 0 && sl.model == nil {
			s.deleteSlotLocked(sl.id)
		}
	}
	s.evictLocked()
	s.mu.Unlock()
}

// set replaces sl's model, keeping counters and the LRU list right. Called
// with sl.mu held.
func (s *Store) set(sl *slot, m *Model) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := sl.model; old != nil {
		s.count.Add(-1)
		s.bytes.Add(-Bytes(old.N, old.NRHS))
		s.unlink(sl)
	}
	if m != nil {
		s.count.Add(1)
		s.bytes.Add(Bytes(m.N, m.NRHS))
		s.pushFront(sl)
	}
	sl.model = m
	s.markDirtyLocked(sl.id)
}

func (s *Store) pushFront(sl *slot) {
	sl.prev, sl.next = &s.lru, s.lru.next
	s.lru.next.prev = sl
	s.lru.next = sl
}

func (s *Store) unlink(sl *slot) {
	if sl.prev == nil {
		return
	}
	sl.prev.next, sl.next.prev = sl.next, sl.prev
	sl.prev, sl.next = nil, nil
}

// evictLocked drops least recently used, unused models until the store is
// within its limit. Models in use by a call (refs > 0) are skipped, so the
// store may exceed its limit by the models of the calls in flight.
func (s *Store) evictLocked() {
	limit := s.limit.Load()
	if limit <= 0 {
		return
	}
	for sl := s.lru.prev; sl != &s.lru && s.bytes.Load() > limit; {
		prev := sl.prev
		if sl.refs == 0 {
			m := sl.model
			s.unlink(sl)
			sl.model = nil
			s.count.Add(-1)
			s.bytes.Add(-Bytes(m.N, m.NRHS))
			s.evictions.Add(1)
			s.markDirtyLocked(sl.id)
			s.deleteSlotLocked(sl.id)
		}
		sl = prev
	}
}

// deleteSlotLocked removes id's slot from the map, and replaces the map by
// a copy sized for what it holds once it holds a quarter of its high-water
// mark (at least 1 024 IDs ago): deleted IDs then keep at most 3·
// MapEntryBytes per remaining ID, and the copy costs O(1) per deletion.
// Called with s.mu held.
func (s *Store) deleteSlotLocked(id int64) {
	delete(s.slots, id)
	if s.slotsHigh < 1024 || 4*len(s.slots) > s.slotsHigh {
		return
	}
	m := make(map[int64]*slot, len(s.slots))
	for k, v := range s.slots {
		m[k] = v
	}
	s.slots, s.slotsHigh = m, len(m)
}

// Update runs fn with the current memo of id (nil if none) while holding id's
// lock. If fn returns an error, the store is left exactly as it was and the
// error is returned; fn must then not have modified cur. Otherwise next
// becomes id's memo: next may be cur itself (modified in place), a new model,
// or nil to delete the memo. fn must not keep cur or next after returning,
// nor call into the store.
func (s *Store) Update(id int64, fn func(cur *Model) (next *Model, err error)) error {
	sls := s.acquire(id)
	defer s.release(sls)
	next, err := fn(sls[0].model)
	if err != nil {
		return err
	}
	s.set(sls[0], next)
	return nil
}

// Modify runs fn on id's existing memo while holding id's lock and reports
// whether there was one; a lookup that finds one counts as a hit, one that
// does not as a miss (fn is then not called). If fn returns an error the
// store is unchanged (fn must not have modified cur).
func (s *Store) Modify(id int64, fn func(cur *Model) error) (found bool, err error) {
	sls := s.acquire(id)
	defer s.release(sls)
	cur := sls[0].model
	if cur == nil {
		s.misses.Add(1)
		return false, nil
	}
	s.hits.Add(1)
	if err := fn(cur); err != nil {
		return true, err
	}
	s.mu.Lock()
	s.markDirtyLocked(id)
	s.mu.Unlock()
	return true, nil
}

// UpdateMany runs fn with the current memos of several IDs (a map from each
// ID to its memo or nil) while holding all their locks, taken in ascending
// ID order. Entries of the map fn returns replace those IDs' memos (a nil
// value deletes); IDs it leaves out are unchanged. On error nothing changes.
func (s *Store) UpdateMany(ids []int64, fn func(cur map[int64]*Model) (next map[int64]*Model, err error)) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	sls := s.acquire(ids...)
	defer s.release(sls)
	cur := make(map[int64]*Model, len(ids))
	for _, sl := range sls {
		cur[sl.id] = sl.model
	}
	next, err := fn(cur)
	if err != nil {
		return err
	}
	for _, sl := range sls {
		if m, ok := next[sl.id]; ok {
			s.set(sl, m)
		}
	}
	return nil
}

// Get returns a deep copy of id's memo, or nil if it has none.
func (s *Store) Get(id int64) *Model {
	sls := s.acquire(id)
	defer s.release(sls)
	if sls[0].model == nil {
		return nil
	}
	return sls[0].model.Clone()
}

// Drop deletes id's memo and reports whether there was one.
func (s *Store) Drop(id int64) bool {
	sls := s.acquire(id)
	defer s.release(sls)
	had := sls[0].model != nil
	if had {
		s.set(sls[0], nil)
	}
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

// SetLimit bounds the accounted bytes of the store (≤ 0: unbounded) and
// evicts at once down to the new limit.
func (s *Store) SetLimit(bytes int64) {
	s.limit.Store(bytes)
	s.mu.Lock()
	s.evictLocked()
	s.mu.Unlock()
}

// Count returns the number of models with a memo.
func (s *Store) Count() int { return int(s.count.Load()) }

// Bytes returns the memory accounted to the stored memos (see Bytes).
func (s *Store) Bytes() int64 { return s.bytes.Load() }

// Stats is a snapshot of a store's counters.
type Stats struct {
	Models    int64 // memos stored
	Bytes     int64 // accounted bytes (see Bytes)
	Limit     int64 // the limit; ≤ 0: unbounded
	Hits      int64 // Modify calls that found a memo
	Misses    int64 // Modify calls that found none
	Evictions int64 // memos evicted by the limit
	Corrupt   int64 // durable records dropped by Open because they failed their checks
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Models: s.count.Load(), Bytes: s.bytes.Load(), Limit: s.limit.Load(),
		Hits: s.hits.Load(), Misses: s.misses.Load(), Evictions: s.evictions.Load(),
		Corrupt: s.corrupt.Load(),
	}
}

// RecordLookup counts a lookup made outside Modify (a batch locks its IDs
// with UpdateMany and looks their memos up itself) as a hit or a miss.
func (s *Store) RecordLookup(found bool) {
	if found {
		s.hits.Add(1)
	} else {
		s.misses.Add(1)
	}
}
