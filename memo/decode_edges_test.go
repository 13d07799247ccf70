package memo

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRecordEdges: records at the edges of what decode accepts — one
// column, no target, MaxColumns targets, no rows absorbed, scaling
// exponents of ±maxExp, zero and largest finite AMax and BMax — decode to
// the model encoded.
func TestRecordEdges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, nrhs int
		set     func(m *Model)
	}{
		{"n = 1, nrhs = 0, no rows", 1, 0, func(m *Model) { m.Rows = 0 }},
		{"nrhs = MaxColumns", 1, MaxColumns, func(*Model) {}},
		{"EA = -maxExp", 2, 1, func(m *Model) { m.EA = -maxExp }},
		{"EA = maxExp", 2, 1, func(m *Model) { m.EA = maxExp }},
		{"EB = -maxExp", 2, 1, func(m *Model) { m.EB = -maxExp }},
		{"EB = maxExp", 2, 1, func(m *Model) { m.EB = maxExp }},
		{"AMax = BMax = 0", 2, 1, func(m *Model) { m.AMax, m.BMax = 0, 0 }},
		{"AMax = BMax = MaxFloat64", 2, 1, func(m *Model) { m.AMax, m.BMax = math.MaxFloat64, math.MaxFloat64 }},
	} {
		m := genModel(tc.n, tc.nrhs, 3)
		tc.set(m)
		got, err := decode(5, encode(5, m))
		require.NoError(t, err, tc.name)
		require.Equal(t, m, got, tc.name)
	}
	// One past each edge is refused.
	for _, tc := range []struct {
		name string
		set  func(m *Model)
	}{
		{"EA < -maxExp", func(m *Model) { m.EA = -maxExp - 1 }},
		{"EB > maxExp", func(m *Model) { m.EB = maxExp + 1 }},
		{"AMax negative", func(m *Model) { m.AMax = -1 }},
		{"BMax infinite", func(m *Model) { m.BMax = math.Inf(1) }},
	} {
		m := genModel(2, 1, 3)
		tc.set(m)
		_, err := decode(5, encode(5, m))
		require.ErrorContains(t, err, "bad scaling", tc.name)
	}
}

// TestDecodeLegalShapeBadLength: a record of the largest legal shape
// (n or nrhs = MaxColumns) whose length does not match is refused for its
// length: the shape itself is legal.
func TestDecodeLegalShapeBadLength(t *testing.T) {
	for _, sh := range [][2]uint32{{MaxColumns, 1}, {1, MaxColumns}} {
		body := make([]byte, header)
		binary.LittleEndian.PutUint32(body[0:], recordMagic)
		binary.LittleEndian.PutUint32(body[4:], sh[0])
		binary.LittleEndian.PutUint32(body[8:], sh[1])
		_, err := decode(9, signed(9, body))
		require.ErrorContains(t, err, "length does not match", "%v", sh)
	}
}

// TestDecodeV1Targets: a first-format record's BMax bounds each target
// column separately: (‖Qᵀb(:,r)‖² + RSS_r)^½, the largest over r.
func TestDecodeV1Targets(t *testing.T) {
	m := NewModel(2, 2)
	copy(m.R, []float64{1, 0, 1})
	copy(m.QTB, []float64{3, 1, 4, 2}) // rows i, columns r: (3, 1), (4, 2)
	m.RSS[0], m.RSS[1] = 0, 20
	m.Rows = 4
	body := make([]byte, headerV1)
	binary.LittleEndian.PutUint32(body[0:], recordMagicV1)
	binary.LittleEndian.PutUint32(body[4:], 2)
	binary.LittleEndian.PutUint32(body[8:], 2)
	binary.LittleEndian.PutUint64(body[12:], 4)
	for _, part := range [][]float64{m.R, m.QTB, m.RSS} {
		for _, v := range part {
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(v))
		}
	}
	got, err := decode(4, signed(4, body))
	require.NoError(t, err)
	// Column 0: (9 + 16)^½ = 5; column 1: (1 + 4 + 20)^½ = 5 as well, so
	// that mixing the columns up (3, 4 and 1, 2 read as one) changes it.
	require.InDelta(t, 5, got.BMax, 1e-12)
	m.QTB[3] = 6 // column 1: (1 + 36 + 20)^½
	body = body[:headerV1+8*3]
	for _, part := range [][]float64{m.QTB, m.RSS} {
		for _, v := range part {
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(v))
		}
	}
	got, err = decode(4, signed(4, body))
	require.NoError(t, err)
	require.InDelta(t, math.Sqrt(57), got.BMax, 1e-12)
}
