package memo

import (
	"encoding/binary"
	"hash/fnv"
)

// Reading memo files written by 0.2 (bbolt's format: one bucket "models",
// keys the 8-byte big-endian model IDs, values the records of encode).
// 0.3 does not open them with bbolt, which maps the file and trusts its
// page headers (a truncated file raised SIGBUS, one flipped byte made it
// allocate without bound): this reader reads pages with ReadAt, checks
// every offset and count against the page and the file before using it,
// visits each page at most once and descends at most maxDepth levels, so
// any file costs time and memory proportional to its size. bbolt's pages
// carry no checksum: a damaged 0.2 file never loads a wrong model (each
// record has its CRC) and never crashes or hangs, but losses in its tree
// (a page no longer reachable, an element count lowered) can go unnoticed.
// The first checkpoint rewrites the file in the current format.

const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltElement    = 16
	boltBranch     = 0x01
	boltLeaf       = 0x02
	boltBucketLeaf = 0x01
	boltMaxDepth   = 64
)

// boltMeta is the part of bbolt's meta page this reader needs.
type boltMeta struct {
	pageSize uint32
	root     uint64 // page of the root bucket's tree
	pgid     uint64 // pages in use (high-water mark)
	txid     uint64
}

// parseBoltMeta checks and parses the meta at the start of a page (its
// page header included): magic, version, FNV-64a checksum.
func parseBoltMeta(p []byte) (boltMeta, bool) {
	if len(p) < boltPageHeader+64 {
		return boltMeta{}, false
	}
	m := p[boltPageHeader:]
	if binary.LittleEndian.Uint32(m[0:]) != boltMagic || binary.LittleEndian.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	if h.Sum64() != binary.LittleEndian.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	bm := boltMeta{
		pageSize: binary.LittleEndian.Uint32(m[8:]),
		root:     binary.LittleEndian.Uint64(m[16:]),
		pgid:     binary.LittleEndian.Uint64(m[40:]),
		txid:     binary.LittleEndian.Uint64(m[48:]),
	}
	if bm.pageSize < 512 || bm.pageSize > 1<<16 || bm.pageSize&(bm.pageSize-1) != 0 || bm.root < 2 || bm.root >= bm.pgid {
		return boltMeta{}, false
	}
	return bm, true
}

// isBolt reports whether head (the file's first bytes) starts with a
// bbolt meta page's magic and version, valid or not.
func isBolt(head []byte) bool {
	return len(head) >= boltPageHeader+8 &&
		binary.LittleEndian.Uint32(head[boltPageHeader:]) == boltMagic &&
		binary.LittleEndian.Uint32(head[boltPageHeader+4:]) == boltVersion
}

// boltReader walks a bbolt file's trees.
type boltReader struct {
	f       vfile
	size    int64
	meta    boltMeta
	visited map[uint64]bool
	damaged int // pages or elements that could not be read
}

// readLegacy loads the models of a 0.2 file: the loaded models, the IDs of
// records that failed their checks (-1 for a key that is no model ID) and
// the count of damaged pages (whose models are lost, IDs unknown). An
// error means no meta page is valid: nothing can be read.
func readLegacy(f vfile, size int64, head []byte) (loaded map[int64]*Model, dropped []int64, damaged int, err error) {
	var best boltMeta
	found, valid := false, 0
	// Meta page 0 names the page size; meta page 1 sits one page further.
	// If page 0 is damaged, try the page sizes bbolt uses.
	sizes := []uint32{4096, 512, 1024, 2048, 8192, 16384, 32768, 65536}
	if m0, ok := parseBoltMeta(head); ok {
		best, found, valid = m0, true, 1
		sizes = []uint32{m0.pageSize}
	}
	for _, ps := range sizes {
		p := make([]byte, boltPageHeader+64)
		if n, _ := f.ReadAt(p, int64(ps)); n < len(p) {
			continue
		}
		if m1, ok := parseBoltMeta(p); ok && m1.pageSize == ps {
			valid++
			if !found || m1.txid > best.txid {
				best, found = m1, true
			}
			break
		}
	}
	if !found {
		return nil, nil, 0, errDamaged("both bbolt meta pages of the 0.2 file are damaged")
	}
	r := &boltReader{f: f, size: size, meta: best, visited: map[uint64]bool{}}
	var models []byte // the "models" bucket's value
	r.walk(best.root, 0, func(k, v []byte, flags uint32) {
		if string(k) == "models" && flags&boltBucketLeaf != 0 {
			models = v
		}
	})
	if valid < 2 {
		// One meta page is damaged: bbolt's fallback to the other is an
		// older transaction, which may lack models. Reported as a loss.
		r.damaged++
	}
	loaded = map[int64]*Model{}
	if models == nil {
		if r.damaged > 0 {
			return nil, nil, 0, errDamaged("the 0.2 file's root bucket is damaged")
		}
		return loaded, nil, 0, nil // an empty 0.2 memo
	}
	visit := func(k, v []byte, flags uint32) {
		if len(k) != 8 || flags&boltBucketLeaf != 0 {
			dropped = append(dropped, -1)
			return
		}
		id := int64(binary.BigEndian.Uint64(k))
		m, err := decode(id, v)
		if err != nil {
			dropped = append(dropped, id)
			return
		}
		loaded[id] = m
	}
	if len(models) < 16 {
		return loaded, nil, 1, nil
	}
	if root := binary.LittleEndian.Uint64(models); root != 0 {
		r.walk(root, 0, visit)
	} else {
		r.leafOrBranch(models[16:], ^uint64(0), 0, visit) // an inline bucket: its page follows the header
	}
	return loaded, dropped, r.damaged, nil
}

// walk visits the elements of the tree rooted at page id.
func (r *boltReader) walk(id uint64, depth int, visit func(k, v []byte, flags uint32)) {
	ps := int64(r.meta.pageSize)
	if depth > boltMaxDepth || r.visited[id] || id < 2 || id >= r.meta.pgid || int64(id) > r.size/ps {
		r.damaged++
		return
	}
	r.visited[id] = true
	off := int64(id) * ps
	hdr := make([]byte, boltPageHeader)
	if n, _ := r.f.ReadAt(hdr, off); n < len(hdr) {
		r.damaged++
		return
	}
	overflow := int64(binary.LittleEndian.Uint32(hdr[12:]))
	if binary.LittleEndian.Uint64(hdr) != id || int64(id)+1+overflow > int64(r.meta.pgid) || off+(1+overflow)*ps > r.size {
		r.damaged++
		return
	}
	p := make([]byte, (1+overflow)*ps)
	if n, _ := r.f.ReadAt(p, off); n < len(p) {
		r.damaged++
		return
	}
	for i := int64(1); i <= overflow; i++ {
		r.visited[id+uint64(i)] = true // an overflow page is never a tree page of its own
	}
	r.leafOrBranch(p, id, depth, visit)
}

// leafOrBranch parses page p (header included; id ^0 for an inline page,
// which must be a leaf).
func (r *boltReader) leafOrBranch(p []byte, id uint64, depth int, visit func(k, v []byte, flags uint32)) {
	if len(p) < boltPageHeader {
		r.damaged++
		return
	}
	flags := binary.LittleEndian.Uint16(p[8:])
	count := int(binary.LittleEndian.Uint16(p[10:]))
	if boltPageHeader+count*boltElement > len(p) || (id == ^uint64(0) && flags != boltLeaf) {
		r.damaged++
		return
	}
	for i := range count {
		e := boltPageHeader + i*boltElement
		switch flags {
		case boltLeaf:
			eflags := binary.LittleEndian.Uint32(p[e:])
			pos, ks, vs := int64(binary.LittleEndian.Uint32(p[e+4:])), int64(binary.LittleEndian.Uint32(p[e+8:])), int64(binary.LittleEndian.Uint32(p[e+12:]))
			k0 := int64(e) + pos
			if k0+ks+vs > int64(len(p)) {
				r.damaged++
				continue
			}
			visit(p[k0:k0+ks], p[k0+ks:k0+ks+vs], eflags)
		case boltBranch:
			child := binary.LittleEndian.Uint64(p[e+8:])
			r.walk(child, depth+1, visit)
		default:
			r.damaged++
			return
		}
	}
}
