package memo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The damage sweep: a memo file of several models of different n, written
// by several checkpoints, is damaged -- cut at every length on a grid, and
// a few hundred random bytes flipped, every 4 KiB page at least once --
// and each damaged copy is opened in a fresh process (this test binary,
// re-executed) under a time limit and an address-space limit (ulimit -v).
// Every open must end in time with an exit; every model that loads must
// equal what was checkpointed, bit for bit; and every model missing must
// be reported (an error, or Stats().Corrupt > 0). The same runs on
// testdata/v02.db (0.2's format), where unreported losses are counted but
// allowed (bbolt's pages carry no checksum; legacy.go).
//
// Not under -short (make test runs it through `make damage`, without
// -race: the race detector's shadow memory does not fit the limit).

const (
	sweepChildEnv = "SIA_SWEEP_FILE"
	sweepTimeout  = 10 * time.Second
	sweepVMemKiB  = 4 << 20 // ulimit -v: 4 GiB (at 1 GiB the Go runtime itself fails now and then to reserve its arenas or thread stacks)
	sweepFlips    = 300
	sweepMaxRSS   = 128 << 10 // KiB: the child's peak resident memory
)

// TestDamageSweepChild is the child: it opens the file named by
// SIA_SWEEP_FILE and prints the outcome and a digest of every model.
func TestDamageSweepChild(t *testing.T) {
	path := os.Getenv(sweepChildEnv)
	if path == "" {
		t.Skip("run by TestDamageSweep")
	}
	s := New()
	_, err := s.Open(path)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	if err != nil {
		fmt.Fprintf(w, "result err %q\n", err.Error())
		return
	}
	recs := ExportRecords(s)
	fmt.Fprintf(w, "result ok %d\n", s.Stats().Corrupt)
	for id, r := range recs {
		sum := sha256.Sum256(r)
		fmt.Fprintf(w, "model %d %s\n", id, hex.EncodeToString(sum[:]))
	}
}

// sweepFile writes the memo file the sweep damages and returns what it
// holds.
func sweepFile(t *testing.T, path string) map[int64][]byte {
	s := New()
	_, err := s.Open(path)
	require.NoError(t, err)
	shapes := [][2]int{{2, 1}, {5, 2}, {9, 1}, {17, 1}, {33, 1}, {33, 2}, {9, 3}, {3, 1}}
	for i, sh := range shapes {
		setModel(s, int64(i+1), genModel(sh[0], sh[1], float64(i)))
	}
	steps := []func(){
		func() {
			setModel(s, 2, genModel(5, 2, 20))
			setModel(s, 5, genModel(33, 1, 50))
			s.Drop(3)
			setModel(s, 9, genModel(17, 1, 90))
		},
		func() {
			_, _ = s.Modify(1, func(m *Model) error { m.Rows++; m.R[0] += 1; return nil })
			setModel(s, 6, genModel(33, 2, 60))
		},
		func() {
			s.Drop(8)
			setModel(s, 10, genModel(5, 1, 100))
		},
	}
	_, err = s.Checkpoint()
	require.NoError(t, err)
	for _, step := range steps {
		step()
		_, err = s.Checkpoint()
		require.NoError(t, err)
	}
	want := ExportRecords(s)
	require.NoError(t, s.Close())
	return want
}

// sweepDamage is a way to damage a file.
type sweepDamage struct {
	name  string
	apply func([]byte) []byte
}

// sweepDamages returns the cuts (every length on a grid of about 1 200
// points) and the flips (sweepFlips, each page at least once) of a file of
// size bytes.
func sweepDamages(size int, seed uint64) []sweepDamage {
	rng := rand.New(rand.NewPCG(seed, 5))
	step := max(8, (size/1200+7)/8*8)
	var ds []sweepDamage
	for l := 0; l < size; l += step {
		ds = append(ds, sweepDamage{fmt.Sprintf("cut %d", l), func(b []byte) []byte { return b[:l] }})
	}
	for l := size - 1; l > size-8; l-- {
		ds = append(ds, sweepDamage{fmt.Sprintf("cut %d", l), func(b []byte) []byte { return b[:l] }})
	}
	for i := range sweepFlips {
		off := rng.IntN(size)
		if pages := (size + 4095) / 4096; i < pages {
			off = min(i*4096+rng.IntN(4096), size-1)
		}
		x := byte(1 + rng.IntN(255))
		ds = append(ds, sweepDamage{fmt.Sprintf("flip %d ^ %#02x", off, x), func(b []byte) []byte { b[off] ^= x; return b }})
	}
	return ds
}

// sweepTally counts outcomes.
type sweepTally struct {
	cases, errs, partial, intact int
	crash, hang, wrong, unreport int
	maxRSSKiB                    int64
	maxWall                      time.Duration
	examples                     []string
}

func (s *sweepTally) String() string {
	return fmt.Sprintf("cases %d: error %d, loaded with corrupt>0 %d, all models intact %d | crash %d, hang %d, wrong model %d, unreported loss %d | max child RSS %d KiB, max child wall %.2f s",
		s.cases, s.errs, s.partial, s.intact, s.crash, s.hang, s.wrong, s.unreport, s.maxRSSKiB, s.maxWall.Seconds())
}

func (s *sweepTally) note(format string, args ...any) {
	if len(s.examples) < 8 {
		s.examples = append(s.examples, fmt.Sprintf(format, args...))
	}
}

// sweepOne opens path in a child and classifies the outcome.
func sweepOne(bin, path, name string, want map[int64]string, tl *sweepTally, mu *sync.Mutex) {
	ctx, cancel := context.WithTimeout(context.Background(), sweepTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c",
		fmt.Sprintf(`ulimit -v %d && exec "$0" -test.run '^TestDamageSweepChild$'`, sweepVMemKiB), bin)
	cmd.Env = append(os.Environ(), sweepChildEnv+"="+path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	runErr := cmd.Run()
	wall := time.Since(t0)
	mu.Lock()
	defer mu.Unlock()
	tl.cases++
	tl.maxWall = max(tl.maxWall, wall)
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			tl.maxRSSKiB = max(tl.maxRSSKiB, ru.Maxrss)
		}
	}
	if ctx.Err() != nil {
		tl.hang++
		tl.note("%s: no answer in %v", name, sweepTimeout)
		return
	}
	var result string
	got := map[int64]string{}
	for line := range strings.Lines(out.String()) {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "result":
			result = strings.TrimSpace(strings.TrimPrefix(line, "result "))
		case len(f) == 3 && f[0] == "model":
			id, _ := strconv.ParseInt(f[1], 10, 64)
			got[id] = f[2]
		}
	}
	if runErr != nil || result == "" {
		tl.crash++
		e := errb.String()
		if i := strings.Index(e, "\n"); i > 0 {
			e = e[:i]
		}
		tl.note("%s: child died (%v): %s", name, runErr, e)
		return
	}
	if strings.HasPrefix(result, "err") {
		tl.errs++
		return
	}
	corrupt, _ := strconv.ParseInt(strings.TrimPrefix(result, "ok "), 10, 64)
	for id, sum := range got {
		if want[id] != sum {
			tl.wrong++
			tl.note("%s: model %d loaded but differs from what was checkpointed", name, id)
			return
		}
	}
	switch {
	case len(got) == len(want):
		tl.intact++
	case corrupt > 0:
		tl.partial++
	default:
		tl.unreport++
		tl.note("%s: %d of %d models loaded, no error, corrupt = 0", name, len(got), len(want))
	}
}

func TestDamageSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("make damage runs the sweep (not under -race)")
	}
	if os.Getenv(sweepChildEnv) != "" {
		t.Skip("child")
	}
	bin, err := os.Executable()
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		strict bool // every loss must be reported
		file   func(t *testing.T, path string) map[int64][]byte
	}{
		{"memo file", true, sweepFile},
		{"0.2 file", false, v02File},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "memo.db")
			wantRecs := tc.file(t, path)
			want := map[int64]string{}
			for id, r := range wantRecs {
				sum := sha256.Sum256(r)
				want[id] = hex.EncodeToString(sum[:])
			}
			orig, err := os.ReadFile(path)
			require.NoError(t, err)
			damages := sweepDamages(len(orig), 21)
			tallies := map[string]*sweepTally{"cut": {}, "flip": {}}
			var mu sync.Mutex
			jobs := make(chan int)
			var wg sync.WaitGroup
			for w := range 2 {
				wg.Go(func() {
					for i := range jobs {
						tl := tallies[strings.Fields(damages[i].name)[0]]
						p := filepath.Join(dir, fmt.Sprintf("damaged-%d-%d.db", w, i))
						if err := os.WriteFile(p, damages[i].apply(bytes.Clone(orig)), 0o600); err != nil {
							mu.Lock()
							tl.crash++
							tl.note("%s: %v", damages[i].name, err)
							mu.Unlock()
							continue
						}
						sweepOne(bin, p, damages[i].name, want, tl, &mu)
						_ = os.Remove(p)
						_ = os.Remove(p + ".new")
					}
				})
			}
			for i := range damages {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			var lines []string
			for _, kind := range []string{"cut", "flip"} {
				tl := tallies[kind]
				lines = append(lines, fmt.Sprintf("%s (%d bytes, %d models), %ss: %s", tc.name, len(orig), len(want), kind, tl))
				for _, e := range tl.examples {
					lines = append(lines, "  "+e)
				}
			}
			for _, l := range lines {
				t.Log(l)
			}
			if out := os.Getenv("SIA_SWEEP_OUT"); out != "" {
				f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				require.NoError(t, err)
				_, _ = fmt.Fprintln(f, strings.Join(lines, "\n"))
				require.NoError(t, f.Close())
			}
			total := 0
			for kind, tl := range tallies {
				total += tl.cases
				require.Zero(t, tl.crash, "%ss: crashes", kind)
				require.Zero(t, tl.hang, "%ss: hangs", kind)
				require.Zero(t, tl.wrong, "%ss: wrong models", kind)
				require.Less(t, tl.maxRSSKiB, int64(sweepMaxRSS), "%ss: a child's peak resident memory", kind)
				if tc.strict {
					require.Zero(t, tl.unreport, "%ss: unreported losses", kind)
				}
			}
			require.Equal(t, len(damages), total)
		})
	}
}

// v02File writes testdata/v02.db (a file 0.2 wrote) to path and returns
// the models it holds, read by a store that is closed again; the file is
// left as 0.2 wrote it.
func v02File(t *testing.T, path string) map[int64][]byte {
	raw, err := os.ReadFile("testdata/v02.db")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	s := New()
	_, err = s.Open(path)
	require.NoError(t, err)
	want := ExportRecords(s)
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(path, raw, 0o600)) // as 0.2 left it
	return want
}
