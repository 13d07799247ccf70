package memo

import (
	"encoding/binary"
	"hash/fnv"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// boltForge builds a bbolt (0.2) file by hand, page by page, with pages
// of 512 bytes, so that a test can forge one at exactly a bound of the
// 0.2 reader: bbolt itself never writes most of them.
type boltForge struct {
	pages map[uint64][]byte // page ID → its bytes (overflow pages included)
}

const forgePS = 512

type forgeElem struct {
	flags uint32
	k, v  []byte
}

func newBoltForge() *boltForge { return &boltForge{pages: map[uint64][]byte{}} }

// meta writes meta page id (0 or 1).
func (b *boltForge) meta(id, root, pgid, txid uint64) []byte {
	p := make([]byte, forgePS)
	binary.LittleEndian.PutUint64(p, id)
	binary.LittleEndian.PutUint16(p[8:], 0x04)
	m := p[boltPageHeader:]
	binary.LittleEndian.PutUint32(m[0:], boltMagic)
	binary.LittleEndian.PutUint32(m[4:], boltVersion)
	binary.LittleEndian.PutUint32(m[8:], forgePS)
	binary.LittleEndian.PutUint64(m[16:], root)
	binary.LittleEndian.PutUint64(m[40:], pgid)
	binary.LittleEndian.PutUint64(m[48:], txid)
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	binary.LittleEndian.PutUint64(m[56:], h.Sum64())
	b.pages[id] = p
	return p
}

// leafBytes is a leaf page (header: id, count, overflow) holding es, its
// keys and values after the element array, size bytes long.
func leafBytes(id uint64, overflow uint32, size int, es []forgeElem) []byte {
	p := make([]byte, size)
	binary.LittleEndian.PutUint64(p, id)
	binary.LittleEndian.PutUint16(p[8:], boltLeaf)
	binary.LittleEndian.PutUint16(p[10:], uint16(len(es)))
	binary.LittleEndian.PutUint32(p[12:], overflow)
	data := boltPageHeader + boltElement*len(es)
	for i, e := range es {
		at := boltPageHeader + boltElement*i
		binary.LittleEndian.PutUint32(p[at:], e.flags)
		binary.LittleEndian.PutUint32(p[at+4:], uint32(data-at))
		binary.LittleEndian.PutUint32(p[at+8:], uint32(len(e.k)))
		binary.LittleEndian.PutUint32(p[at+12:], uint32(len(e.v)))
		data += copy(p[data:], e.k)
		data += copy(p[data:], e.v)
	}
	return p
}

func (b *boltForge) leaf(id uint64, overflow uint32, es ...forgeElem) {
	b.pages[id] = leafBytes(id, overflow, forgePS*(1+int(overflow)), es)
}

func (b *boltForge) branch(id uint64, children ...uint64) {
	p := make([]byte, forgePS)
	binary.LittleEndian.PutUint64(p, id)
	binary.LittleEndian.PutUint16(p[8:], boltBranch)
	binary.LittleEndian.PutUint16(p[10:], uint16(len(children)))
	for i, c := range children {
		binary.LittleEndian.PutUint64(p[boltPageHeader+boltElement*i+8:], c)
	}
	b.pages[id] = p
}

// bucket is the root bucket's element "models" (a bucket of root page
// root; 0: inline, its page the bytes after the bucket header).
func bucket(root uint64, inline []byte) forgeElem {
	v := make([]byte, 16, 16+len(inline))
	binary.LittleEndian.PutUint64(v, root)
	return forgeElem{boltBucketLeaf, []byte("models"), append(v, inline...)}
}

func modelElem(id int64, rec []byte) forgeElem {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, uint64(id))
	return forgeElem{0, k, rec}
}

// file lays the pages out; the file is pages long.
func (b *boltForge) file(pages int) []byte {
	out := make([]byte, pages*forgePS)
	for id, p := range b.pages {
		if int(id)*forgePS < len(out) {
			copy(out[int(id)*forgePS:], p)
		}
	}
	return out
}

// TestLegacyForged: 0.2 files forged page by page at the 0.2 reader's
// bounds load what is readable and count, exactly, what is not: the root
// bucket on page 2, a tree page that is the last page in use and ends the
// file, one meta page damaged (one loss) or both valid with the same
// transaction (page 0's taken), an empty 0.2 memo, inline buckets of no
// element and of one element filling their page exactly, counts and keys
// and values running past their page, an overflow page forged as a tree
// page, a page past the high-water mark, trees exactly as deep as allowed
// and one level deeper.
func TestLegacyForged(t *testing.T) {
	rec1 := encode(1, genModel(2, 1, 1))
	rec7 := encode(77, genModel(2, 1, 7))
	type want struct {
		ids     []int64
		dropped []int64
		damaged int
		err     bool
	}
	for _, tc := range []struct {
		name  string
		build func(b *boltForge) []byte
		want  want
	}{
		{"root on page 2, the last page ending the file", func(b *boltForge) []byte {
			b.meta(0, 2, 4, 2)
			b.meta(1, 2, 4, 1)
			b.leaf(2, 0, bucket(3, nil))
			b.leaf(3, 0, modelElem(1, rec1))
			return b.file(4)
		}, want{ids: []int64{1}}},
		{"meta page 1 damaged: one loss", func(b *boltForge) []byte {
			b.meta(0, 2, 4, 2)
			b.meta(1, 2, 4, 1)[20] ^= 1
			b.leaf(2, 0, bucket(3, nil))
			b.leaf(3, 0, modelElem(1, rec1))
			return b.file(4)
		}, want{ids: []int64{1}, damaged: 1}},
		{"both meta pages of the same transaction: page 0's", func(b *boltForge) []byte {
			b.meta(0, 2, 4, 2)
			b.meta(1, 3, 4, 2) // its root a page without a "models" bucket
			b.leaf(2, 0, bucket(3, nil))
			b.leaf(3, 0, modelElem(1, rec1))
			return b.file(4)
		}, want{ids: []int64{1}}},
		{"an empty 0.2 memo", func(b *boltForge) []byte {
			b.meta(0, 2, 3, 2)
			b.meta(1, 2, 3, 1)
			b.leaf(2, 0)
			return b.file(3)
		}, want{}},
		{"root bucket damaged", func(b *boltForge) []byte {
			b.meta(0, 2, 3, 2)
			b.meta(1, 2, 3, 1)
			b.leaf(2, 0)
			binary.LittleEndian.PutUint64(b.pages[2], 9) // not its ID
			return b.file(3)
		}, want{err: true}},
		{"inline bucket of no element", func(b *boltForge) []byte {
			b.meta(0, 2, 3, 2)
			b.meta(1, 2, 3, 1)
			b.leaf(2, 0, bucket(0, leafBytes(0, 0, boltPageHeader, nil)))
			return b.file(3)
		}, want{}},
		{"inline bucket, one empty element filling its page", func(b *boltForge) []byte {
			b.meta(0, 2, 3, 2)
			b.meta(1, 2, 3, 1)
			b.leaf(2, 0, bucket(0, leafBytes(0, 0, boltPageHeader+boltElement, []forgeElem{{}})))
			return b.file(3)
		}, want{dropped: []int64{-1}}},
		{"inline bucket, count past its page", func(b *boltForge) []byte {
			b.meta(0, 2, 3, 2)
			b.meta(1, 2, 3, 1)
			in := leafBytes(0, 0, boltPageHeader+boltElement, []forgeElem{{}})
			binary.LittleEndian.PutUint16(in[10:], 2)
			b.leaf(2, 0, bucket(0, in))
			return b.file(3)
		}, want{damaged: 1}},
		{"key past its page", func(b *boltForge) []byte {
			b.meta(0, 2, 4, 2)
			b.meta(1, 2, 4, 1)
			b.leaf(2, 0, bucket(3, nil))
			b.leaf(3, 0, modelElem(1, rec1))
			binary.LittleEndian.PutUint32(b.pages[3][boltPageHeader+8:], 1000)
			return b.file(4)
		}, want{damaged: 1}},
		{"value past its page", func(b *boltForge) []byte {
			b.meta(0, 2, 4, 2)
			b.meta(1, 2, 4, 1)
			b.leaf(2, 0, bucket(3, nil))
			b.leaf(3, 0, modelElem(1, rec1))
			binary.LittleEndian.PutUint32(b.pages[3][boltPageHeader+12:], 1000)
			return b.file(4)
		}, want{damaged: 1}},
		{"an overflow page forged as a tree page", func(b *boltForge) []byte {
			b.meta(0, 2, 6, 2)
			b.meta(1, 2, 6, 1)
			b.leaf(2, 0, bucket(5, nil))
			b.leaf(3, 1, modelElem(1, rec1))
			// Page 4, the overflow page of page 3, reads as a leaf of its own.
			copy(b.pages[3][forgePS:], leafBytes(4, 0, forgePS, []forgeElem{modelElem(77, rec7)}))
			b.branch(5, 3, 4)
			return b.file(6)
		}, want{ids: []int64{1}, damaged: 1}},
		{"a page past the high-water mark", func(b *boltForge) []byte {
			b.meta(0, 2, 4, 2)
			b.meta(1, 2, 4, 1)
			b.leaf(2, 0, bucket(3, nil))
			b.leaf(3, 1, modelElem(1, rec1)) // pages 3 and 4; 4 not in use
			return b.file(6)
		}, want{damaged: 1}},
		{"a branch to a meta page", func(b *boltForge) []byte {
			b.meta(0, 2, 5, 2)
			b.meta(1, 2, 5, 1)
			b.leaf(2, 0, bucket(3, nil))
			b.branch(3, 4, 1)
			b.leaf(4, 0, modelElem(1, rec1))
			return b.file(5)
		}, want{ids: []int64{1}, damaged: 1}},
	} {
		b := newBoltForge()
		data := tc.build(b)
		f, _ := memVFile(data)
		loaded, dropped, damaged, err := readLegacy(f, int64(len(data)), data[:min(len(data), 2*4096)])
		if tc.want.err {
			require.ErrorIs(t, err, ErrDamaged, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		ids := slices.Sorted(maps.Keys(loaded))
		if tc.want.ids == nil {
			require.Empty(t, ids, tc.name)
		} else {
			require.Equal(t, tc.want.ids, ids, tc.name)
		}
		require.Equal(t, tc.want.dropped, dropped, tc.name)
		require.Equal(t, tc.want.damaged, damaged, tc.name)
	}
}

// TestLegacyDepth: a tree of the models bucket whose leaf is exactly
// boltMaxDepth levels below its root loads; one a level deeper is a
// damaged page (its model lost, counted once).
func TestLegacyDepth(t *testing.T) {
	rec := encode(1, genModel(2, 1, 1))
	for _, tc := range []struct {
		branches int
		loaded   int
		damaged  int
	}{
		{boltMaxDepth, 1, 0},
		{boltMaxDepth + 1, 0, 1},
	} {
		b := newBoltForge()
		leafID := uint64(3 + tc.branches)
		pgid := leafID + 1
		b.meta(0, 2, pgid, 2)
		b.meta(1, 2, pgid, 1)
		b.leaf(2, 0, bucket(3, nil))
		for i := range uint64(tc.branches) {
			b.branch(3+i, 4+i)
		}
		b.leaf(leafID, 0, modelElem(1, rec))
		data := b.file(int(pgid))
		f, _ := memVFile(data)
		loaded, _, damaged, err := readLegacy(f, int64(len(data)), data[:2*4096])
		require.NoError(t, err, "%d branches", tc.branches)
		require.Len(t, loaded, tc.loaded, "%d branches", tc.branches)
		require.Equal(t, tc.damaged, damaged, "%d branches", tc.branches)
	}
}

// TestIsBoltParseMeta: isBolt on a head of exactly a page header, magic
// and version; parseBoltMeta at its root bounds (page 2, the first tree
// page, accepted; a root at the high-water mark refused).
func TestIsBoltParseMeta(t *testing.T) {
	b := newBoltForge()
	p := b.meta(0, 2, 3, 1)
	require.True(t, isBolt(p[:boltPageHeader+8]))
	require.False(t, isBolt(p[:boltPageHeader+7]))
	m, ok := parseBoltMeta(p)
	require.True(t, ok, "root on page 2")
	require.Equal(t, boltMeta{pageSize: forgePS, root: 2, pgid: 3, txid: 1}, m)
	_, ok = parseBoltMeta(b.meta(0, 1, 3, 1))
	require.False(t, ok, "root on a meta page")
	_, ok = parseBoltMeta(b.meta(0, 3, 3, 1))
	require.False(t, ok, "root at the high-water mark")
	_, ok = parseBoltMeta(b.meta(0, 2, 2, 1))
	require.False(t, ok, "root past the high-water mark")
}
