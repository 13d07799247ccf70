// Command engines measures candidate storage engines for libsia's durable
// memo on the memo's workload, outside libsia (a module of its own, so
// that libsia does not depend on them): Pebble (github.com/cockroachdb/
// pebble/v2) and SQLite compiled to Wasm (github.com/ncruces/go-sqlite3).
// A memo is a map from an 8-byte model ID to a record of a few KiB; each
// record here carries a CRC-32C over its ID and contents, as memo's do.
//
//	engines bench -engine E          checkpoint and reload timings
//	engines sweep -engine E          the damage sweep of memo/sweep_test.go
//	engines open -engine E -dir D    (the sweep's child) open D, list records
//
// bench/reliability/engines.sh runs it; its output is in engines.txt.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ncruces/go-sqlite3"
)

// store is what the memo needs from an engine.
type store interface {
	// commit writes recs (nil: delete) durably in one transaction.
	commit(recs map[int64][]byte) error
	// each visits every record.
	each(fn func(id int64, rec []byte)) error
	close() error
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// record is a record of an n-column model (the length of memo's) with
// contents from seed and a trailing CRC-32C over the ID and the contents.
func record(id int64, n int, seed uint64) []byte {
	ln := 44 + 8*(n*(n+1)/2+n+1)
	rng := rand.New(rand.NewPCG(seed, uint64(id)))
	b := make([]byte, ln, ln+4)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return binary.LittleEndian.AppendUint32(b, crc(id, b))
}

func crc(id int64, b []byte) uint32 {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	return crc32.Update(crc32.Checksum(k[:], castagnoli), castagnoli, b)
}

func recordOK(id int64, r []byte) bool {
	return len(r) >= 4 && crc(id, r[:len(r)-4]) == binary.LittleEndian.Uint32(r[len(r)-4:])
}

func key(id int64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	return k[:]
}

// ---- Pebble

type pebbleStore struct{ db *pebble.DB }

func openPebble(dir string) (store, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, err
	}
	return &pebbleStore{db}, nil
}

// quietLogger drops Pebble's informational log lines; fatal ones still
// end the process.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

func (p *pebbleStore) commit(recs map[int64][]byte) error {
	b := p.db.NewBatch()
	for id, r := range recs {
		var err error
		if r == nil {
			err = b.Delete(key(id), nil)
		} else {
			err = b.Set(key(id), r, nil)
		}
		if err != nil {
			return err
		}
	}
	return b.Commit(pebble.Sync)
}

func (p *pebbleStore) each(fn func(int64, []byte)) error {
	it, err := p.db.NewIter(nil)
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		if len(it.Key()) == 8 {
			fn(int64(binary.BigEndian.Uint64(it.Key())), bytes.Clone(it.Value()))
		}
	}
	if err := it.Error(); err != nil {
		_ = it.Close()
		return err
	}
	return it.Close()
}

func (p *pebbleStore) close() error { return p.db.Close() }

// ---- SQLite (Wasm)

type sqliteStore struct{ db *sqlite3.Conn }

func openSQLite(dir string) (store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db, err := sqlite3.Open(filepath.Join(dir, "memo.sqlite"))
	if err != nil {
		return nil, err
	}
	// WAL with synchronous=FULL: every commit fsynced (durable).
	if err := db.Exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
		CREATE TABLE IF NOT EXISTS models (id INTEGER PRIMARY KEY, rec BLOB NOT NULL)`); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &sqliteStore{db}, nil
}

func (s *sqliteStore) commit(recs map[int64][]byte) error {
	if err := s.db.Exec("BEGIN"); err != nil {
		return err
	}
	put, _, err := s.db.Prepare("INSERT OR REPLACE INTO models (id, rec) VALUES (?, ?)")
	if err != nil {
		return err
	}
	defer put.Close()
	del, _, err := s.db.Prepare("DELETE FROM models WHERE id = ?")
	if err != nil {
		return err
	}
	defer del.Close()
	for id, r := range recs {
		st := put
		if r == nil {
			st = del
		}
		if err := st.BindInt64(1, id); err != nil {
			return err
		}
		if r != nil {
			if err := st.BindBlob(2, r); err != nil {
				return err
			}
		}
		if err := st.Exec(); err != nil {
			_ = s.db.Exec("ROLLBACK")
			return err
		}
	}
	return s.db.Exec("COMMIT")
}

func (s *sqliteStore) each(fn func(int64, []byte)) error {
	st, _, err := s.db.Prepare("SELECT id, rec FROM models")
	if err != nil {
		return err
	}
	defer st.Close()
	for st.Step() {
		fn(st.ColumnInt64(0), st.ColumnBlob(1, nil))
	}
	return st.Err()
}

func (s *sqliteStore) close() error { return s.db.Close() }

func open(engine, dir string) (store, error) {
	switch engine {
	case "pebble":
		return openPebble(dir)
	case "sqlite":
		return openSQLite(dir)
	}
	return nil, fmt.Errorf("unknown engine %q", engine)
}

// ---- bench

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "engines:", err)
		os.Exit(1)
	}
}

func fill(s store, from, to int64, seed uint64) {
	for lo := from; lo < to; lo += 10000 {
		recs := map[int64][]byte{}
		for id := lo; id < min(lo+10000, to); id++ {
			recs[id] = record(id, 33, seed)
		}
		must(s.commit(recs))
	}
}

func bench(engine string) {
	tmp, err := os.MkdirTemp("", "engines-")
	must(err)
	defer os.RemoveAll(tmp)
	// A checkpoint of 20 000 new models.
	s, err := open(engine, filepath.Join(tmp, "a"))
	must(err)
	recs := map[int64][]byte{}
	for id := range int64(20000) {
		recs[id] = record(id, 33, 1)
	}
	t0 := time.Now()
	must(s.commit(recs))
	fmt.Printf("BenchmarkCheckpoint %s 20000 models: %.1f µs/model\n", engine, float64(time.Since(t0).Microseconds())/20000)
	must(s.close())
	// One changed model per checkpoint in a memo of 1 000.
	s, err = open(engine, filepath.Join(tmp, "b"))
	must(err)
	fill(s, 0, 1000, 1)
	t0 = time.Now()
	for i := range 30 {
		must(s.commit(map[int64][]byte{int64(i): record(int64(i), 33, 2)}))
	}
	fmt.Printf("BenchmarkCheckpointOne %s: %.2f ms/checkpoint\n", engine, float64(time.Since(t0).Microseconds())/30/1e3)
	must(s.close())
	// 1 000 changed models per checkpoint in a memo of 10 000.
	s, err = open(engine, filepath.Join(tmp, "c"))
	must(err)
	fill(s, 0, 10000, 1)
	t0 = time.Now()
	for i := range 30 {
		recs := map[int64][]byte{}
		for k := range 1000 {
			id := int64((i*1000 + k*7) % 10000)
			recs[id] = record(id, 33, uint64(i+2))
		}
		must(s.commit(recs))
	}
	fmt.Printf("BenchmarkCheckpoint1kOf10k %s: %.1f µs/model\n", engine, float64(time.Since(t0).Microseconds())/30000)
	must(s.close())
	// Reload of 100 000 models, n = 33 (open, read all, check each CRC).
	dir := filepath.Join(tmp, "d")
	s, err = open(engine, dir)
	must(err)
	fill(s, 0, 100000, 1)
	must(s.close())
	t0 = time.Now()
	s, err = open(engine, dir)
	must(err)
	n := 0
	must(s.each(func(id int64, r []byte) {
		if recordOK(id, r) {
			n++
		}
	}))
	el := time.Since(t0)
	must(s.close())
	if n != 100000 {
		must(fmt.Errorf("reload: %d of 100000 records", n))
	}
	fmt.Printf("BenchmarkReload100k %s: %.3f s/reload\n", engine, el.Seconds())
	var size int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	fmt.Printf("  100 000 models on disk (%s): %d bytes\n", engine, size)
}

// ---- sweep (as memo/sweep_test.go: same shapes and checkpoints)

func sweepBuild(engine, dir string) map[int64][]byte {
	s, err := open(engine, dir)
	must(err)
	want := map[int64][]byte{}
	put := func(recs map[int64][]byte) {
		must(s.commit(recs))
		for id, r := range recs {
			if r == nil {
				delete(want, id)
			} else {
				want[id] = r
			}
		}
	}
	first := map[int64][]byte{}
	for i, n := range []int{2, 5, 9, 17, 33, 33, 9, 3} {
		first[int64(i+1)] = record(int64(i+1), n, 1)
	}
	put(first)
	put(map[int64][]byte{2: record(2, 5, 2), 5: record(5, 33, 2), 3: nil, 9: record(9, 17, 2)})
	put(map[int64][]byte{1: record(1, 2, 3), 6: record(6, 33, 3)})
	put(map[int64][]byte{8: nil, 10: record(10, 5, 4)})
	must(s.close())
	return want
}

func child(engine, dir string) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	s, err := open(engine, dir)
	if err != nil {
		fmt.Fprintf(w, "result err %q\n", err.Error())
		return
	}
	got := map[int64][]byte{}
	corrupt := 0
	err = s.each(func(id int64, r []byte) {
		if recordOK(id, r) {
			got[id] = r
		} else {
			corrupt++ // the memo layer's own check: dropped and counted
		}
	})
	_ = s.close()
	if err != nil {
		fmt.Fprintf(w, "result err %q\n", err.Error())
		return
	}
	fmt.Fprintf(w, "result ok %d\n", corrupt)
	for id, r := range got {
		sum := sha256.Sum256(r)
		fmt.Fprintf(w, "model %d %s\n", id, hex.EncodeToString(sum[:]))
	}
}

type tally struct {
	cases, errs, partial, intact, crash, hang, wrong, unreport int
	maxRSS                                                     int64
	examples                                                   []string
}

func copyDir(src, dst string) {
	must(os.MkdirAll(dst, 0o755))
	ents, err := os.ReadDir(src)
	must(err)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		must(err)
		must(os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
}

func sweep(engine string) {
	tmp, err := os.MkdirTemp("", "engines-sweep-")
	must(err)
	defer os.RemoveAll(tmp)
	orig := filepath.Join(tmp, "orig")
	want := sweepBuild(engine, orig)
	sums := map[int64]string{}
	for id, r := range want {
		s := sha256.Sum256(r)
		sums[id] = hex.EncodeToString(s[:])
	}
	self, err := os.Executable()
	must(err)
	ents, err := os.ReadDir(orig)
	must(err)
	var names []string
	total := 0
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && fi.Size() > 0 && !e.IsDir() {
			names = append(names, e.Name())
			total += int(fi.Size())
		}
	}
	sort.Strings(names)
	fmt.Printf("## %s: %d files, %d bytes: %s\n", engine, len(names), total, strings.Join(names, " "))
	tl := map[string]*tally{"cut": {}, "flip": {}}
	rng := rand.New(rand.NewPCG(21, 5))
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(orig, name))
		must(err)
		// The memo sweep's density: a grid of ~1 200 cuts and 300 flips
		// over the ~34 KB memo file, here spread over the engine's files in
		// proportion to their sizes (at least 8 cuts and 4 flips each).
		cuts := max(8, 1200*len(raw)/total)
		flips := max(4, 300*len(raw)/total)
		step := max(1, len(raw)/cuts)
		var ds []func([]byte) []byte
		var dn []string
		for l := 0; l < len(raw); l += step {
			ds = append(ds, func(b []byte) []byte { return b[:l] })
			dn = append(dn, fmt.Sprintf("cut %s %d", name, l))
		}
		for i := range flips {
			off := rng.IntN(len(raw))
			if pages := (len(raw) + 4095) / 4096; i < pages {
				off = min(i*4096+rng.IntN(4096), len(raw)-1)
			}
			x := byte(1 + rng.IntN(255))
			ds = append(ds, func(b []byte) []byte { b[off] ^= x; return b })
			dn = append(dn, fmt.Sprintf("flip %s %d ^ %#02x", name, off, x))
		}
		for i, d := range ds {
			dir := filepath.Join(tmp, "case")
			must(os.RemoveAll(dir))
			copyDir(orig, dir)
			must(os.WriteFile(filepath.Join(dir, name), d(bytes.Clone(raw)), 0o644))
			t := tl[strings.Fields(dn[i])[0]]
			runChild(self, engine, dir, dn[i], sums, t)
		}
	}
	for _, k := range []string{"cut", "flip"} {
		t := tl[k]
		fmt.Printf("%s (%d files, %d bytes, %d models), %ss: cases %d: error %d, loaded with corrupt>0 %d, all models intact %d | crash %d, hang %d, wrong model %d, unreported loss %d | max child RSS %d KiB\n",
			engine, len(names), total, len(want), k, t.cases, t.errs, t.partial, t.intact, t.crash, t.hang, t.wrong, t.unreport, t.maxRSS)
		for _, e := range t.examples {
			fmt.Println("  " + e)
		}
	}
}

func runChild(self, engine, dir, name string, want map[int64]string, t *tally) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c",
		fmt.Sprintf(`ulimit -v %d && exec "$0" open -engine %s -dir "$1"`, 4<<20, engine), self, dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	t.cases++
	note := func(f string, a ...any) {
		if len(t.examples) < 6 {
			t.examples = append(t.examples, fmt.Sprintf(f, a...))
		}
	}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			t.maxRSS = max(t.maxRSS, ru.Maxrss)
		}
	}
	if ctx.Err() != nil {
		t.hang++
		note("%s: no answer in 10 s", name)
		return
	}
	result := ""
	got := map[int64]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "result" {
			result = strings.Join(f[1:], " ")
		}
		if len(f) == 3 && f[0] == "model" {
			id, _ := strconv.ParseInt(f[1], 10, 64)
			got[id] = f[2]
		}
	}
	if runErr != nil || result == "" {
		t.crash++
		e, _, _ := strings.Cut(errb.String(), "\n")
		note("%s: child died (%v): %s", name, runErr, e)
		return
	}
	if strings.HasPrefix(result, "err") {
		t.errs++
		return
	}
	corrupt, _ := strconv.Atoi(strings.TrimPrefix(result, "ok "))
	for id, s := range got {
		if want[id] != s {
			t.wrong++
			note("%s: model %d differs from what was committed", name, id)
			return
		}
	}
	switch {
	case len(got) == len(want):
		t.intact++
		return
	case corrupt > 0:
		t.partial++
		return
	}
	t.unreport++
	note("%s: %d of %d models, no error", name, len(got), len(want))
}

func main() {
	if len(os.Args) < 2 {
		must(errors.New("usage: engines bench|sweep|open -engine pebble|sqlite [-dir D]"))
	}
	fl := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	engine := fl.String("engine", "pebble", "pebble or sqlite")
	dir := fl.String("dir", "", "the store's directory (open)")
	must(fl.Parse(os.Args[2:]))
	switch os.Args[1] {
	case "bench":
		bench(*engine)
	case "sweep":
		sweep(*engine)
	case "open":
		child(*engine, *dir)
	default:
		must(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}
