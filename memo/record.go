package memo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// A memo record (little-endian), one model's memo as the durable memo
// stores it:
//
//	magic "SIA2" (uint32) · n (uint32) · nrhs (uint32) · rows (int64) ·
//	EA (int32) · EB (int32) · AMax (float64) · BMax (float64) ·
//	R packed (n(n+1)/2 float64) · Qᵀb (n·nrhs) · RSS (nrhs) ·
//	CRC-32C of the 8-byte big-endian model ID and everything before it (uint32)
//
// Records of the first format ("SIA1": no scaling fields, written by 0.1
// before scaling existed) are still read: their factors are unscaled, and
// AMax and BMax are set to bounds derived from them (|a_ij| ≤ ‖R(:,j)‖,
// |b_i| ≤ (‖Qᵀb‖² + RSS)^½).
//
// A record that fails its checks (length, magic, shape within the
// library's limits, checksum, finite values, sane scaling) is never
// trusted. The shape is checked against MaxColumns and the record's length
// before anything is allocated.

const (
	recordMagicV1 = 0x31414953 // "SIA1"
	recordMagic   = 0x32414953 // "SIA2"
	headerV1      = 20
	header        = 44
)

// MaxColumns bounds n and nrhs of a memoized model (the solver rejects
// larger problems before reading them).
const MaxColumns = 4096

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func key(id int64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(id))
	return k[:]
}

// encode serializes m for model id.
func encode(id int64, m *Model) []byte {
	nf := len(m.R) + len(m.QTB) + len(m.RSS)
	b := make([]byte, header, header+8*nf+4)
	binary.LittleEndian.PutUint32(b[0:], recordMagic)
	binary.LittleEndian.PutUint32(b[4:], uint32(m.N))
	binary.LittleEndian.PutUint32(b[8:], uint32(m.NRHS))
	binary.LittleEndian.PutUint64(b[12:], uint64(m.Rows))
	binary.LittleEndian.PutUint32(b[20:], uint32(m.EA))
	binary.LittleEndian.PutUint32(b[24:], uint32(m.EB))
	binary.LittleEndian.PutUint64(b[28:], math.Float64bits(m.AMax))
	binary.LittleEndian.PutUint64(b[36:], math.Float64bits(m.BMax))
	for _, part := range [][]float64{m.R, m.QTB, m.RSS} {
		for _, v := range part {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	crc := crc32.Update(crc32.Checksum(key(id), castagnoli), castagnoli, b)
	return binary.LittleEndian.AppendUint32(b, crc)
}

// maxExp bounds |EA| and |EB|: scaling exponents bring magnitudes between
// the smallest denormal and the largest double to about 1.
const maxExp = 1100

// decode parses and checks a record of model id.
func decode(id int64, b []byte) (*Model, error) {
	if len(b) < headerV1+4 {
		return nil, errors.New("record too short")
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Update(crc32.Checksum(key(id), castagnoli), castagnoli, body) != sum {
		return nil, errors.New("checksum mismatch")
	}
	var hdr int
	switch binary.LittleEndian.Uint32(body[0:]) {
	case recordMagic:
		hdr = header
	case recordMagicV1:
		hdr = headerV1
	default:
		return nil, errors.New("bad magic")
	}
	if len(body) < hdr {
		return nil, errors.New("record too short")
	}
	n, nrhs := int64(binary.LittleEndian.Uint32(body[4:])), int64(binary.LittleEndian.Uint32(body[8:]))
	rows := int64(binary.LittleEndian.Uint64(body[12:]))
	if n < 1 || n > MaxColumns || nrhs < 0 || nrhs > MaxColumns || rows < 0 {
		return nil, fmt.Errorf("bad shape n=%d nrhs=%d rows=%d", n, nrhs, rows)
	}
	// Length before allocation: a record with a valid checksum must still
	// not make Open allocate more than it holds.
	if int64(len(body)) != int64(hdr)+8*(n*(n+1)/2+n*nrhs+nrhs) {
		return nil, errors.New("length does not match the shape")
	}
	m := NewModel(int(n), int(nrhs))
	m.Rows = rows
	if hdr == header {
		m.EA = int32(binary.LittleEndian.Uint32(body[20:]))
		m.EB = int32(binary.LittleEndian.Uint32(body[24:]))
		m.AMax = math.Float64frombits(binary.LittleEndian.Uint64(body[28:]))
		m.BMax = math.Float64frombits(binary.LittleEndian.Uint64(body[36:]))
		if m.EA < -maxExp || m.EA > maxExp || m.EB < -maxExp || m.EB > maxExp ||
			!(m.AMax >= 0 && m.AMax <= math.MaxFloat64) || !(m.BMax >= 0 && m.BMax <= math.MaxFloat64) {
			return nil, errors.New("bad scaling")
		}
	}
	p := hdr
	for _, part := range [][]float64{m.R, m.QTB, m.RSS} {
		for i := range part {
			v := math.Float64frombits(binary.LittleEndian.Uint64(body[p:]))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("non-finite value")
			}
			part[i] = v
			p += 8
		}
	}
	if hdr == headerV1 {
		m.AMax, m.BMax = m.bounds()
	}
	return m, nil
}
