package memo

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
