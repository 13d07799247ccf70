package memo

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var errInjected = errors.New("injected fault")

// faultFS is memFS whose files fail their writes, syncs or closes on
// demand.
type faultFS struct {
	*memFS
	write, sync, close bool
}

type faultFile struct {
	vfile
	fs *faultFS
}

func (fs *faultFS) Open(name string, timeout time.Duration) (vfile, error) {
	f, err := fs.memFS.Open(name, timeout)
	if err != nil {
		return nil, err
	}
	return faultFile{f, fs}, nil
}

func (fs *faultFS) Create(name string) (vfile, error) {
	f, err := fs.memFS.Create(name)
	if err != nil {
		return nil, err
	}
	return faultFile{f, fs}, nil
}

func (f faultFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.write {
		return 0, errInjected
	}
	return f.vfile.WriteAt(p, off)
}

func (f faultFile) Sync() error {
	if f.fs.sync {
		return errInjected
	}
	return f.vfile.Sync()
}

func (f faultFile) Close() error {
	err := f.vfile.Close()
	if f.fs.close {
		return errInjected
	}
	return err
}

// TestFileFaults: a failed write, fsync or close is reported, never lost
// behind a later step that succeeds — creating a new memo file (nothing is
// left at its path), and closing one (its final fsync and close).
func TestFileFaults(t *testing.T) {
	fs := &faultFS{memFS: newMemFS(), write: true}
	s := New()
	s.fs = fs
	_, err := s.Open(plPath)
	require.ErrorIs(t, err, errInjected, "create with failing writes")
	_, err = fs.memFS.Open(plPath, 0)
	require.Error(t, err, "a memo file was left at the path")

	for _, c := range []struct {
		name string
		set  func(fs *faultFS)
	}{
		{"fsync", func(fs *faultFS) { fs.sync = true }},
		{"close", func(fs *faultFS) { fs.close = true }},
	} {
		fs := &faultFS{memFS: newMemFS()}
		s := New()
		s.fs = fs
		_, err := s.Open(plPath)
		require.NoError(t, err, c.name)
		c.set(fs)
		require.ErrorIs(t, s.Close(), errInjected, "close with a failing %s", c.name)
	}
}
