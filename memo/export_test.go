package memo

import "math"

// ExportRecords returns the encoded record of every model in s, by ID.
func ExportRecords(s *Store) map[int64][]byte {
	out := map[int64][]byte{}
	s.mu.Lock()
	ids := make([]int64, 0, len(s.slots))
	for id := range s.slots {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		if m := s.peek(id); m != nil {
			out[id] = encode(id, m)
		}
	}
	return out
}

// RecordBytes is the length of a record of an n-column, nrhs-target model.
func RecordBytes(n, nrhs int) int { return header + 8*(n*(n+1)/2+n*nrhs+nrhs) + 4 }

// genModel is a valid model determined by seed.
func genModel(n, nrhs int, seed float64) *Model {
	m := NewModel(n, nrhs)
	for i := range m.R {
		m.R[i] = math.Sin(seed + float64(i))
	}
	for i := range m.QTB {
		m.QTB[i] = math.Cos(seed * float64(i+1))
	}
	for i := range m.RSS {
		m.RSS[i] = seed + float64(i)
	}
	m.Rows, m.EA, m.EB, m.AMax, m.BMax = int64(seed*10), 1, -1, 2, 3
	return m
}

func setModel(s *Store, id int64, m *Model) {
	_ = s.Update(id, func(*Model) (*Model, error) { return m, nil })
}
