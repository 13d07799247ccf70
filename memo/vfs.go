package memo

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"
)

// The file layer of the durable memo. The memo file is read and written
// only through these interfaces, so that a test can run checkpoints over a
// layer that keeps only what was synced (powerloss_test.go).

// vfile is an open memo file.
type vfile interface {
	io.ReaderAt
	io.WriterAt
	// Sync makes every write so far durable (fdatasync).
	Sync() error
	// Size returns the file's length.
	Size() (int64, error)
	Close() error
}

// vfs opens, renames and removes files and makes directory entries
// durable.
type vfs interface {
	// Open opens name for reading and writing and takes an exclusive lock
	// on it, waiting up to timeout for another holder; os.ErrNotExist if
	// there is no such file.
	Open(name string, timeout time.Duration) (vfile, error)
	// Create creates name (truncating any file of that name), locked.
	Create(name string) (vfile, error)
	// Rename replaces newname by oldname atomically; durable once SyncDir
	// of its directory returns.
	Rename(oldname, newname string) error
	// Remove removes name.
	Remove(name string) error
	// SyncDir makes the entries of directory dir durable (fsync of the
	// directory).
	SyncDir(dir string) error
}

// osFS is the operating system's file layer; locks are flock(2) locks,
// the ones bbolt took on 0.2's files.
type osFS struct{}

type osFile struct{ *os.File }

// Sync is fdatasync(2): the data and what reading it back needs (the
// length), not the modification time; a checkpoint that overwrites the
// zeros written ahead of the log then commits no metadata.
func (f osFile) Sync() error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

func (f osFile) Size() (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// errLocked: the file is locked by another process (or another open in
// this one) for longer than the timeout.
var errLocked = errors.New("memo: the file is locked by another process")

func lock(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			if err == syscall.EWOULDBLOCK {
				return errLocked
			}
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (osFS) Open(name string, timeout time.Duration) (vfile, error) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if err := lock(f, timeout); err != nil {
		_ = f.Close()
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Create(name string) (vfile, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lock(f, 0); err != nil {
		_ = f.Close()
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }
func (osFS) Remove(name string) error             { return os.Remove(name) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
