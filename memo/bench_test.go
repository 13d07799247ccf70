package memo_test

import (
	"testing"

	"github.com/libsia/sia/memo"
)

// BenchmarkModify is the locking and memo lookup every incremental call
// pays: acquire the ID's slot, find the memo, release.
func BenchmarkModify(b *testing.B) {
	s := memo.New()
	for id := range int64(1000) {
		_ = s.Update(id, func(*memo.Model) (*memo.Model, error) { return memo.NewModel(3, 1), nil })
	}
	b.ResetTimer()
	for i := range b.N {
		_, _ = s.Modify(int64(i%1000), func(*memo.Model) error { return nil })
	}
}

// BenchmarkCheckpoint measures the cost per model of a checkpoint: b.N
// changed models (n = 33, nrhs = 1) written in one transaction (with
// fsync).
func BenchmarkCheckpoint(b *testing.B) {
	s := memo.New()
	if _, err := s.Open(b.TempDir() + "/memo.db"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for id := range int64(b.N) {
		m := memo.NewModel(33, 1)
		m.R[0], m.Rows = float64(id), id
		_ = s.Update(id, func(*memo.Model) (*memo.Model, error) { return m, nil })
	}
	b.ResetTimer()
	n, err := s.Checkpoint()
	if err != nil || n != b.N {
		b.Fatal(n, err)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/model")
}

// BenchmarkReload100k measures Open of a file holding 100 000 models
// (n = 33, nrhs = 1): what a restarted index pays instead of cold-training.
func BenchmarkReload100k(b *testing.B) {
	const models = 100000
	path := b.TempDir() + "/memo.db"
	s := memo.New()
	if _, err := s.Open(path); err != nil {
		b.Fatal(err)
	}
	for id := range int64(models) {
		m := memo.NewModel(33, 1)
		m.R[0], m.Rows = float64(id), id
		_ = s.Update(id, func(*memo.Model) (*memo.Model, error) { return m, nil })
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		r := memo.New()
		rep, err := r.Open(path)
		if err != nil || rep.Loaded != models {
			b.Fatal(rep.Loaded, err)
		}
		b.StopTimer()
		_ = r.Close()
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/reload")
}

// BenchmarkCheckpointOne measures a checkpoint of one changed model (n =
// 33) in a memo of 1 000: the latency floor, one commit and its fsync.
func BenchmarkCheckpointOne(b *testing.B) {
	s := checkpointedStore(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		_, _ = s.Modify(int64(i%1000), func(m *memo.Model) error { m.Rows++; return nil })
		if n, err := s.Checkpoint(); err != nil || n != 1 {
			b.Fatal(n, err)
		}
	}
}

// checkpointedStore returns a durable store (closed when b ends) holding
// models models of n = 33, all checkpointed.
func checkpointedStore(b *testing.B, models int64) *memo.Store {
	b.Helper()
	s := memo.New()
	if _, err := s.Open(b.TempDir() + "/memo.db"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	for id := range models {
		m := memo.NewModel(33, 1)
		m.R[0], m.Rows = float64(id), id
		if err := s.Update(id, func(*memo.Model) (*memo.Model, error) { return m, nil }); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.Checkpoint(); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkCheckpoint1kOf10k measures checkpoints of 1 000 changed models
// (n = 33) in a memo of 10 000: the cost per changed model once the file
// is large.
func BenchmarkCheckpoint1kOf10k(b *testing.B) {
	s := checkpointedStore(b, 10000)
	b.ResetTimer()
	for i := range b.N {
		for k := range 1000 {
			_, _ = s.Modify(int64((i*1000+k*7)%10000), func(m *memo.Model) error { m.Rows++; return nil })
		}
		if n, err := s.Checkpoint(); err != nil || n != 1000 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*1000), "µs/model")
}
