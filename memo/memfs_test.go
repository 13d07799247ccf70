package memo

import (
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"
)

// memFS is a file layer in memory that models what survives a power cut:
// a file's contents as of its last Sync, directory entries as of the last
// SyncDir. crash builds the file system a power cut at this moment could
// leave: every directory entry as last synced, every file's synced
// contents plus an arbitrary subset of the writes since, applied in an
// arbitrary order, each of them possibly torn (an arbitrary subset of its
// 512-byte sectors), as a disk that honours only fsync may do.
type memFS struct {
	mu      sync.Mutex
	names   map[string]*memInode // the namespace now
	durable map[string]*memInode // the namespace as of the last SyncDir
	// onOp, if set, is called (without mu) before each operation that
	// changes state, with its name.
	onOp func(op string)
	// noSync makes Sync and SyncDir do nothing (a layer without fsync).
	noSync  bool
	renames int
}

type memInode struct {
	data    []byte     // what reads see
	synced  []byte     // what survives a power cut for sure
	pending []memWrite // writes since the last Sync, in order
	locked  bool
}

type memWrite struct {
	off  int64
	data []byte
}

func newMemFS() *memFS {
	return &memFS{names: map[string]*memInode{}, durable: map[string]*memInode{}}
}

func (fs *memFS) op(name string) {
	if fs.onOp != nil {
		fs.onOp(name)
	}
}

type memFile struct {
	fs *memFS
	in *memInode
}

func (fs *memFS) Open(name string, _ time.Duration) (vfile, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	in := fs.names[name]
	if in == nil {
		return nil, os.ErrNotExist
	}
	if in.locked {
		return nil, errLocked
	}
	in.locked = true
	return &memFile{fs, in}, nil
}

func (fs *memFS) Create(name string) (vfile, error) {
	fs.op("create")
	fs.mu.Lock()
	defer fs.mu.Unlock()
	in := &memInode{locked: true}
	fs.names[name] = in
	return &memFile{fs, in}, nil
}

func (fs *memFS) Rename(oldname, newname string) error {
	fs.op("rename")
	fs.mu.Lock()
	defer fs.mu.Unlock()
	in := fs.names[oldname]
	if in == nil {
		return os.ErrNotExist
	}
	fs.names[newname] = in
	delete(fs.names, oldname)
	fs.renames++
	return nil
}

func (fs *memFS) Remove(name string) error {
	fs.op("remove")
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.names[name] == nil {
		return os.ErrNotExist
	}
	delete(fs.names, name)
	return nil
}

func (fs *memFS) SyncDir(string) error {
	fs.op("syncdir")
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !fs.noSync {
		fs.durable = maps.Clone(fs.names)
	}
	return nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if off >= int64(len(f.in.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.in.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func writeInto(dst []byte, off int64, p []byte) []byte {
	if end := off + int64(len(p)); end > int64(len(dst)) {
		dst = append(dst, make([]byte, end-int64(len(dst)))...)
	}
	copy(dst[off:], p)
	return dst
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.op("write")
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.in.data = writeInto(f.in.data, off, p)
	f.in.pending = append(f.in.pending, memWrite{off, slices.Clone(p)})
	return len(p), nil
}

func (f *memFile) Sync() error {
	f.fs.op("sync")
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if !f.fs.noSync {
		f.in.synced = slices.Clone(f.in.data)
		f.in.pending = nil
	}
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return int64(len(f.in.data)), nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if !f.in.locked {
		return errors.New("memfs: closed twice")
	}
	f.in.locked = false
	return nil
}

// memImage is the state crash works from: per durable name, the synced
// contents and the writes pending.
type memImage map[string]struct {
	synced  []byte
	pending []memWrite
}

// image captures what a power cut now could draw from.
func (fs *memFS) image() memImage {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	img := memImage{}
	for name, in := range fs.durable {
		img[name] = struct {
			synced  []byte
			pending []memWrite
		}{slices.Clone(in.synced), slices.Clone(in.pending)}
	}
	return img
}

// crash returns a file system a power cut at the image's moment may leave
// (see memFS). Sectors are 512 bytes.
func (img memImage) crash(rng *rand.Rand) *memFS {
	fs := newMemFS()
	for name, st := range img {
		data := slices.Clone(st.synced)
		for _, i := range rng.Perm(len(st.pending)) {
			w := st.pending[i]
			switch rng.IntN(3) {
			case 0: // lost
			case 1: // whole
				data = writeInto(data, w.off, w.data)
			default: // torn: some of its sectors
				for s := int64(0); s < int64(len(w.data)); {
					e := min((w.off+s)/512*512+512-w.off, int64(len(w.data)))
					if rng.IntN(2) == 0 {
						data = writeInto(data, w.off+s, w.data[s:e])
					}
					s = e
				}
			}
		}
		in := &memInode{data: data, synced: slices.Clone(data)}
		fs.names[name], fs.durable[name] = in, in
	}
	return fs
}

// file returns an unlocked handle on the inode (for reading in tests).
func (in *memInode) file() vfile { return &memFile{newMemFS(), in} }
