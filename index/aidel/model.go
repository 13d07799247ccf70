package aidel

import (
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// entry is one key-value pair. Entries are shared by pointer between a
// model's old and new arrays during a retrain, so that updates and deletes
// made meanwhile reach both; val and dead are guarded by the owning model's
// lock, absorbed only by the trainer.
type entry[V any] struct {
	key      string // immutable; a substring of the bulk-load arena or its own copy
	val      V
	dead     bool // deleted (a tombstone until the next retrain)
	absorbed bool // a row of the model's memo (trainer only)
	taken    bool // left out of the running retrain as deleted (trainer only)
}

// fit is a model's linear function and what is known about its error.
type fit struct {
	cols   []int     // the key bytes read (ascending), one weight each
	w      []float64 // len(cols) weights, then the bias
	minErr float64   // pos − pred ≥ minErr for every absorbed row
	maxErr float64   // pos − pred ≤ maxErr for every absorbed row
	// maxNorm ≥ ‖aᵢ‖₂ and colMin[j] ≤ aᵢⱼ ≤ colMax[j] for every row
	// absorbed (kept over rows since removed): the widening bound's
	// constants.
	maxNorm float64
	colMin  []float64
	colMax  []float64
}

// errBound returns the model's maximum absolute error bound.
func (f *fit) errBound() float64 { return max(f.maxErr, -f.minErr) }

// predict returns wᵀa(key) without materializing the feature row.
func (f *fit) predict(key string) float64 {
	p := f.w[len(f.cols)]
	for j, c := range f.cols {
		if c >= len(key) {
			break
		}
		p += f.w[j] * float64(key[c])
	}
	return p
}

// row writes the feature row of key — its bytes at cols (0 past its end),
// then 1 — into a.
func row(a []float64, key string, cols []int) {
	for j, c := range cols {
		if c < len(key) {
			a[j] = float64(key[c])
		} else {
			a[j] = 0
		}
	}
	a[len(cols)] = 1
}

// columns returns the byte positions in [off, off+F) at which the keys of
// ents are not all equal: the model's features. Constant columns carry no
// information about order and would make R exactly singular (a column of
// zeros) or singular up to rounding (a multiple of the bias column).
func columns[V any](ents []*entry[V], off, F int) []int {
	var cols []int
	for c := off; c < off+F; c++ {
		b0 := byteAt(ents[0].key, c)
		for _, e := range ents[1:] {
			if byteAt(e.key, c) != b0 {
				cols = append(cols, c)
				break
			}
		}
	}
	return cols
}

// byteAt returns key[c], or 0 past the key's end (as the features read it).
func byteAt(key string, c int) byte {
	if c < len(key) {
		return key[c]
	}
	return 0
}

// widen returns δ ≥ |aᵀdw| for every row a with ‖a‖₂ ≤ maxNorm and
// colMin[j] ≤ aⱼ ≤ colMax[j]: the smaller of the Cauchy–Schwarz bound
// ‖dw‖₂·maxNorm and the box bound |cᵀdw| + Σⱼ|dwⱼ|·hⱼ (c the box's
// centre, h its half-widths), which is the exact maximum over the box.
func widen(dw []float64, maxNorm float64, colMin, colMax []float64) float64 {
	var n2, centre, spread float64
	for j, d := range dw {
		n2 += d * d
		centre += d * (colMax[j] + colMin[j]) / 2
		spread += math.Abs(d) * (colMax[j] - colMin[j]) / 2
	}
	// Round up: the sums are computed in floating point.
	return min(math.Sqrt(n2)*maxNorm, math.Abs(centre)+spread) * (1 + 1e-12)
}

// model is one second-stage model with its keys.
type model[V any] struct {
	mu    sync.RWMutex
	id    int64  // memo ID in the solver
	fence string // first-stage key ("" for the first model)
	fit   fit
	layout[V]
	lists   [][]*entry[V] // lists[i]: inserted keys after ents[i] (nil until used)
	used    []int32       // the i with a non-empty lists[i], in the order they filled
	head    []*entry[V]   // inserted keys before ents[0]
	pending int           // keys in lists and head
	deletes int           // deletes since the last snapshot (tombstones possible in ents)
	retired bool          // replaced by a split: callers retry
	queued  atomic.Bool   // in the retrain queue
	// inPass is set from the model's snapshot to its install: Puts then
	// leave queueing to the install, which queues the model again only if
	// the keys carried over are due by themselves (a Put's pending count
	// still includes the keys being absorbed).
	inPass atomic.Bool
}

// hint returns the 8 key bytes after the first skip, big-endian, zero
// padded: for keys sharing a prefix of length skip, hint order agrees with
// key order wherever hints differ, so searches compare hints (in one
// contiguous array) and touch key bytes only on ties.
func hint(key string, skip int) uint64 {
	var h uint64
	for i := range 8 {
		h <<= 8
		if skip+i < len(key) {
			h |= uint64(key[skip+i])
		}
	}
	return h
}

// layout is a model's array of entries with its search aids. A retrain
// builds the new one with no lock held and swaps it in.
type layout[V any] struct {
	ents   []*entry[V] // entries in key order, at positions pos
	pos    []float64   // strictly increasing learned positions
	pmin   float64     // pos[0]
	start  []int32     // start[b]: first index with pos ≥ pmin+b
	prefix string      // the prefix every key in ents shares
	hints  []uint64    // hints[i] = hint(ents[i].key, len(prefix))
}

// newLayout builds the search aids for ents at pos, in arrays from sp
// (nil: new arrays); hints, when given, are the keys' hints already.
func newLayout[V any](ents []*entry[V], pos []float64, hints []uint64, sp *spares[V]) layout[V] {
	l := layout[V]{ents: ents, pos: pos, hints: hints}
	if len(ents) == 0 {
		l.start = []int32{0}
		return l
	}
	nb := int(math.Floor(pos[len(pos)-1]-pos[0])) + 1
	if sp != nil {
		l.start = takeSpare(&sp.start, nb+1)
	} else {
		l.start = make([]int32, 0, nb+1)
	}
	l.prefix = ents[0].key[:lcp(ents[0].key, ents[len(ents)-1].key)]
	if hints == nil {
		l.hints = make([]uint64, len(ents))
		for i, e := range ents {
			l.hints[i] = hint(e.key, len(l.prefix))
		}
	}
	l.pmin = pos[0]
	i := 0
	for b := 0; b <= nb; b++ {
		t := l.pmin + float64(b)
		for i < len(pos) && pos[i] < t {
			i++
		}
		l.start = append(l.start, int32(i))
	}
	return l
}

// bucket returns the start index of the bucket holding position p, clamped.
func (m *layout[V]) bucket(p float64) int {
	nb := len(m.start) - 1
	b := math.Floor(p - m.pmin)
	switch {
	case !(b > 0): // also NaN
		return int(m.start[0])
	case b >= float64(nb):
		return int(m.start[nb])
	}
	return int(m.start[int(b)])
}

// locate returns the index of the last entry with key ≤ k (−1 if none) and
// whether that entry's key equals k. The model's prediction gives the
// index window that holds every absorbed key; a key outside it (one in a
// list, or absent) is found by exponential search from the window's edge.
func (m *model[V]) locate(k string) (int, bool) {
	n := len(m.ents)
	if n == 0 {
		return -1, false
	}
	// gt(i) reports ents[i].key > k.
	useHint := strings.HasPrefix(k, m.prefix)
	h := hint(k, len(m.prefix))
	gt := func(i int) bool {
		if useHint && m.hints[i] != h {
			return m.hints[i] > h
		}
		return m.ents[i].key > k
	}
	p := m.fit.predict(k)
	lo := m.bucket(p + m.fit.minErr)
	hi := m.bucket(p + m.fit.maxErr + 1) // first index past the bucket of p+maxErr
	lo = min(max(lo, 0), n-1)
	hi = min(max(hi, lo+1), n)
	for lo > 0 && gt(lo) {
		w := hi - lo
		hi = lo + 1
		lo = max(0, lo-2*w)
	}
	for hi < n && !gt(hi-1) {
		w := hi - lo
		lo = hi - 1
		hi = min(n, hi+2*w)
	}
	i := lo + sort.Search(hi-lo, func(j int) bool { return gt(lo + j) })
	return i - 1, i > 0 && m.ents[i-1].key == k
}

// list returns the sorted list that holds keys after ents[i] (i = −1: head).
func (m *model[V]) list(i int) []*entry[V] {
	if i < 0 {
		return m.head
	}
	if m.lists == nil {
		return nil
	}
	return m.lists[i]
}

// setList stores l as the list after ents[i].
func (m *model[V]) setList(i int, l []*entry[V]) {
	if i < 0 {
		m.head = l
		return
	}
	if m.lists == nil {
		m.lists = make([][]*entry[V], len(m.ents))
	}
	if len(m.lists[i]) == 0 && len(l) > 0 {
		m.used = append(m.used, int32(i))
	}
	m.lists[i] = l
}

// searchList returns the first index in l with key ≥ k and whether it equals k.
func searchList[V any](l []*entry[V], k string) (int, bool) {
	j := sort.Search(len(l), func(j int) bool { return l[j].key >= k })
	return j, j < len(l) && l[j].key == k
}

// find returns the live or dead entry with key k, or nil.
func (m *model[V]) find(k string) *entry[V] {
	i, eq := m.locate(k)
	if eq {
		return m.ents[i]
	}
	l := m.list(i)
	if j, ok := searchList(l, k); ok {
		return l[j]
	}
	return nil
}
