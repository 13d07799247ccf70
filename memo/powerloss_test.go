package memo

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// The power-loss test: checkpoints run over memFS, a file layer that keeps
// only what was synced; at every operation the state a power cut could
// draw from is captured, and for each, several crash images (synced data
// plus random subsets of the unsynced writes, reordered and torn) are
// opened. Each must open without error and without reporting damage, and
// hold exactly the last confirmed checkpoint or the one in flight; and it
// must go on: a checkpoint after reopening and a second reopen hold what
// they should.

const plPath = "/mem/memo.db"

// plSnap is a moment of the workload: what a power cut could leave, and
// which checkpoint was confirmed then (-1: Open had not returned).
type plSnap struct {
	img       memImage
	confirmed int
}

// plWorkload runs steps checkpoints with random changes between them on
// fs and returns the moments and the store's contents at each checkpoint
// (states[0]: after Open).
func plWorkload(t *testing.T, fs *memFS, steps int, seed uint64) ([]plSnap, []map[int64][]byte) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var snaps []plSnap
	confirmed := -1
	fs.onOp = func(string) { snaps = append(snaps, plSnap{fs.image(), confirmed}) }
	s := New()
	s.fs = fs
	_, err := s.Open(plPath)
	require.NoError(t, err)
	states := []map[int64][]byte{ExportRecords(s)}
	confirmed = 0
	for step := 1; step <= steps; step++ {
		for range 1 + rng.IntN(5) {
			id := int64(rng.IntN(12))
			switch rng.IntN(4) {
			case 0, 1:
				n := []int{2, 3, 5, 9, 17}[rng.IntN(5)]
				setModel(s, id, genModel(n, 1+rng.IntN(2), float64(step)+float64(id)/16))
			case 2:
				_, _ = s.Modify(id, func(m *Model) error { m.Rows++; m.R[0] += 1; return nil })
			default:
				s.Drop(id)
			}
		}
		states = append(states, ExportRecords(s))
		_, err := s.Checkpoint()
		require.NoError(t, err)
		confirmed = step
	}
	require.NoError(t, s.Close())
	fs.onOp = nil
	snaps = append(snaps, plSnap{fs.image(), confirmed})
	return snaps, states
}

func sameRecords(a, b map[int64][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for id, r := range a {
		if !bytes.Equal(r, b[id]) {
			return false
		}
	}
	return true
}

// plCheck opens crash images of every moment and returns the first
// violation ("" if none) and how many images it opened.
func plCheck(snaps []plSnap, states []map[int64][]byte, images int, seed uint64) (string, int) {
	rng := rand.New(rand.NewPCG(seed, 2))
	opened := 0
	for i, sn := range snaps {
		for k := range images {
			fs := sn.img.crash(rng)
			s := New()
			s.fs = fs
			rep, err := s.Open(plPath)
			opened++
			where := fmt.Sprintf("moment %d/%d (confirmed %d), image %d", i, len(snaps), sn.confirmed, k)
			if err != nil {
				return where + ": open: " + err.Error(), opened
			}
			if len(rep.Dropped) > 0 || rep.Lost > 0 {
				return fmt.Sprintf("%s: damage reported after a power cut: %+v", where, rep), opened
			}
			got := ExportRecords(s)
			ok := sn.confirmed < 0 && len(got) == 0 // a power cut while the file was being created
			for c := max(sn.confirmed, 0); c <= min(sn.confirmed+1, len(states)-1); c++ {
				ok = ok || sameRecords(got, states[c])
			}
			if !ok {
				return fmt.Sprintf("%s: holds %d models, neither checkpoint %d (%d models) nor the one after",
					where, len(got), sn.confirmed, len(states[max(sn.confirmed, 0)])), opened
			}
			// It goes on: one more checkpoint over whatever tail the cut left.
			setModel(s, 100, genModel(4, 1, float64(i)))
			want := ExportRecords(s)
			if _, err := s.Checkpoint(); err != nil {
				return where + ": checkpoint after reopening: " + err.Error(), opened
			}
			if err := s.Close(); err != nil {
				return where + ": close: " + err.Error(), opened
			}
			again := New()
			again.fs = fs
			if _, err := again.Open(plPath); err != nil {
				return where + ": second reopen: " + err.Error(), opened
			}
			if !sameRecords(ExportRecords(again), want) {
				return where + ": the checkpoint after reopening was not kept", opened
			}
			_ = again.Close()
		}
	}
	return "", opened
}

func TestPowerLoss(t *testing.T) {
	old := compactSlack
	compactSlack = 4096 // several rewrites by rename in the run
	defer func() { compactSlack = old }()
	fixture, err := os.ReadFile("testdata/v02.db")
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		start []byte // the file before the run; nil: none
	}{
		{"new file", nil},
		{"0.2 file migrated", fixture},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newMemFS()
			if tc.start != nil {
				in := &memInode{data: tc.start, synced: tc.start}
				fs.names[plPath], fs.durable[plPath] = in, in
			}
			steps, images := 60, 12
			if testing.Short() {
				steps, images = 30, 4
			}
			snaps, states := plWorkload(t, fs, steps, 7)
			require.GreaterOrEqual(t, fs.renames, 2, "the run must cover rewrites by rename")
			bad, opened := plCheck(snaps, states, images, 11)
			require.Empty(t, bad)
			t.Logf("%d moments, %d crash images opened, %d files renamed into place", len(snaps), opened, fs.renames)
		})
	}
}

// TestPowerLossNeedsFsync: over a layer whose fsync does nothing the same
// check finds a violation -- the power-loss test can fail.
func TestPowerLossNeedsFsync(t *testing.T) {
	fs := newMemFS()
	fs.noSync = true
	snaps, states := plWorkload(t, fs, 25, 7)
	bad, _ := plCheck(snaps, states, 3, 11)
	require.NotEmpty(t, bad, "without fsync no crash image lost a confirmed checkpoint")
	t.Log("found: ", bad)
}
