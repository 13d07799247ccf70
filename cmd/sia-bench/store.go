package main

import (
	"bytes"
	"sync"

	"github.com/google/btree"

	"github.com/libsia/sia/index/aidel"
)

// store is what the workloads run against: the learned index or the
// B-tree baseline.
type store interface {
	get(k []byte) bool
	put(k []byte, v uint64)
	scan(from []byte, n int) int
}

// learned adapts aidel.Index.
type learned struct{ ix *aidel.Index[uint64] }

func (l learned) get(k []byte) bool { _, ok := l.ix.Get(k); return ok }

func (l learned) put(k []byte, v uint64) { l.ix.Put(k, v) }

func (l learned) scan(from []byte, n int) int {
	c := 0
	l.ix.Range(from, func([]byte, uint64) bool { c++; return c < n })
	return c
}

// item is a B-tree element.
type item struct {
	k []byte
	v uint64
}

// bt is github.com/google/btree (degree 32) behind a read-write lock, the
// way a Go program shares one: reads and scans concurrent, writes
// exclusive. Keys are copied on insertion, as the learned index does.
type bt struct {
	mu sync.RWMutex
	t  *btree.BTreeG[item]
}

func newBT(keys [][]byte) *bt {
	t := btree.NewG(32, func(a, b item) bool { return bytes.Compare(a.k, b.k) < 0 })
	for i, k := range keys {
		t.ReplaceOrInsert(item{bytes.Clone(k), uint64(i)})
	}
	return &bt{t: t}
}

func (b *bt) get(k []byte) bool {
	b.mu.RLock()
	_, ok := b.t.Get(item{k: k})
	b.mu.RUnlock()
	return ok
}

func (b *bt) put(k []byte, v uint64) {
	it := item{bytes.Clone(k), v}
	b.mu.Lock()
	b.t.ReplaceOrInsert(it)
	b.mu.Unlock()
}

func (b *bt) scan(from []byte, n int) int {
	c := 0
	b.mu.RLock()
	b.t.AscendGreaterOrEqual(item{k: from}, func(item) bool { c++; return c < n })
	b.mu.RUnlock()
	return c
}
