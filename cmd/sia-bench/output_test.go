package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

// TestWriteCSVReportsErrors: a results file that cannot be written in full
// is an error, never a silent truncation; a writable one round-trips.
func TestWriteCSVReportsErrors(t *testing.T) {
	header := []string{"a", "b"}
	rows := [][]string{{"1", "2"}, {"3", "4"}}
	for _, tc := range []struct {
		name  string
		limit int // bytes the writer accepts; -1: unlimited
	}{
		{"fails at once", 0},
		{"fails in the header", 2},
		{"fails in the rows", 6},
		{"fails in the last row", 10},
		{"succeeds", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.limit < 0 {
				path := filepath.Join(t.TempDir(), "r.csv")
				require.NoError(t, writeCSV(path, header, rows))
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				require.Equal(t, "a,b\n1,2\n3,4\n", string(got))
				return
			}
			err := encodeCSV(&failAfter{n: tc.limit}, header, rows)
			require.ErrorIs(t, err, errDiskFull)
		})
	}
	if _, err := os.Stat("/dev/full"); err == nil {
		require.Error(t, writeCSV("/dev/full", header, rows), "a full device must be reported")
	}
}

// TestPrintTableReportsErrors: the table's write error reaches the caller
// (it was discarded), and a working writer gets the whole table.
func TestPrintTableReportsErrors(t *testing.T) {
	rs := []result{{Len: 16, Workload: "D", Mode: "btree"}}
	sw := []sweepPoint{{Series: "size"}, {Series: "size"}, {Series: "size"}}
	require.ErrorContains(t, printTable(&failAfter{n: 10}, params{}, rs, sw), "disk full")
	require.ErrorContains(t, printTable(&failAfter{}, params{}, rs, nil), "disk full")
	var b strings.Builder
	require.NoError(t, printTable(&b, params{}, rs, sw))
	require.Contains(t, b.String(), "| 16 | D | btree |")
	require.Contains(t, b.String(), "| size | 0 |")
}
