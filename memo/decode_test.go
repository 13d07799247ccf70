package memo

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// signed returns body with its CRC appended, as encode does for id.
func signed(id int64, body []byte) []byte {
	crc := crc32.Update(crc32.Checksum(key(id), castagnoli), castagnoli, body)
	return binary.LittleEndian.AppendUint32(body, crc)
}

// TestDecodeBoundsBeforeAllocating: a record with a valid checksum whose
// header asks for a huge model (n = nrhs = 65 536 would be ~51 GB) is
// rejected by the shape and length checks before anything is allocated.
func TestDecodeBoundsBeforeAllocating(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, nrhs uint32
	}{
		{"n above MaxColumns", 1 << 16, 1},
		{"nrhs above MaxColumns", 33, 1 << 16},
		{"largest legal shape, short record", MaxColumns, MaxColumns},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := make([]byte, header)
			binary.LittleEndian.PutUint32(body[0:], recordMagic)
			binary.LittleEndian.PutUint32(body[4:], tc.n)
			binary.LittleEndian.PutUint32(body[8:], tc.nrhs)
			rec := signed(9, body)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := decode(9, rec)
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			// Allocating the model first would cost ≥ 200 MB (the largest
			// legal shape) to 17 GB; 1 MiB leaves room for the error value
			// and for what the runtime (e.g. under -race) allocates meanwhile.
			require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "decode allocated before checking the record")
		})
	}
}

// TestDecodeV1: records of the first format load unscaled, with AMax and
// BMax bounding the data that produced them.
func TestDecodeV1(t *testing.T) {
	m := NewModel(3, 1)
	// R of A = [[3,4,0],[0,0,5],[0,0,0]] (rows) is, up to signs, this:
	copy(m.R, []float64{3, 4, 0, 0, 0, 5})
	copy(m.QTB, []float64{1, 2, 2})
	m.RSS[0] = 16
	m.Rows = 3
	body := make([]byte, headerV1)
	binary.LittleEndian.PutUint32(body[0:], recordMagicV1)
	binary.LittleEndian.PutUint32(body[4:], 3)
	binary.LittleEndian.PutUint32(body[8:], 1)
	binary.LittleEndian.PutUint64(body[12:], 3)
	for _, part := range [][]float64{m.R, m.QTB, m.RSS} {
		for _, v := range part {
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(v))
		}
	}
	got, err := decode(4, signed(4, body))
	require.NoError(t, err)
	require.Equal(t, m.R, got.R)
	require.Zero(t, got.EA)
	require.Zero(t, got.EB)
	require.InDelta(t, 5, got.AMax, 1e-12) // the largest column norm
	require.InDelta(t, 5, got.BMax, 1e-12) // (1+4+4+16)^½
}

// FuzzDecode: decode never panics or allocates beyond the record's size,
// and whatever it accepts re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	m := NewModel(4, 2)
	for i := range m.R {
		m.R[i] = float64(i) - 3.5
	}
	m.EA, m.AMax, m.BMax = -7, 300, 2
	f.Add(int64(5), encode(5, m))
	f.Add(int64(1), encode(1, NewModel(1, 0)))
	f.Fuzz(func(t *testing.T, id int64, rec []byte) {
		got, err := decode(id, rec)
		if err != nil {
			return
		}
		require.LessOrEqual(t, 8*(len(got.R)+len(got.QTB)+len(got.RSS)), len(rec))
		if binary.LittleEndian.Uint32(rec) == recordMagic {
			require.Equal(t, rec, encode(id, got))
		}
	})
}
