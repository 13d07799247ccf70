package aidel

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func init() { checkInvariants = true }

// maxRetrainsPerCall bounds how often one model may be retrained by one
// retrain call of a test that makes no concurrent changes: once for its
// queued keys, and once more if a split part or a long list queues it
// again; a model retrained more often stays due forever.
const maxRetrainsPerCall = 3

// retrain is ix.Retrain (with all, ix.RetrainAll) for tests that change
// nothing while it runs, with a guard: it fails the test as soon as a
// model is retrained more than maxRetrainsPerCall times, instead of
// looping for ever when a change keeps a model due (a livelock, e.g. keys
// that each retrain drops and puts back in a list). It returns the
// models retrained.
func retrain[V any](t testing.TB, ix *Index[V], all bool) int {
	t.Helper()
	if all {
		ix.queueDue()
	}
	seen := map[*model[V]]int{}
	total := 0
	for {
		ix.qmu.Lock()
		next := slices.Clone(ix.queue[:min(len(ix.queue), ix.cfg.MaxPass)])
		ix.qmu.Unlock()
		for _, m := range next {
			seen[m]++
			require.LessOrEqual(t, seen[m], maxRetrainsPerCall,
				"model of fence %q retrained %d times in one call: it stays due (%d pending keys)", m.fence, seen[m], m.pending)
		}
		popped, done := ix.pass()
		if popped == 0 {
			return total
		}
		total += done
	}
}

// check verifies the index's invariants: fences ascending and each model's
// keys within its fence range; positions strictly increasing; the
// position-to-index table; lists sorted and between their neighbours, and
// every non-empty one recorded in used (once);
// every absorbed live key inside its model's error bounds and found by
// locate; the live count. It locks each model shared.
func (ix *Index[V]) check() error {
	fs := ix.fs.Load()
	if len(fs.fences) != len(fs.models) || fs.fences[0] != "" {
		return fmt.Errorf("first stage: %d fences, %d models", len(fs.fences), len(fs.models))
	}
	live := 0
	var prev string
	havePrev := false
	for mi, m := range fs.models {
		m.mu.RLock()
		err := func() error {
			if m.retired {
				return fmt.Errorf("model %d retired but reachable", mi)
			}
			if mi > 0 && fs.fences[mi-1] >= fs.fences[mi] {
				return fmt.Errorf("fences %d, %d not ascending", mi-1, mi)
			}
			if len(m.pos) != len(m.ents) {
				return fmt.Errorf("model %d: %d positions, %d entries", mi, len(m.pos), len(m.ents))
			}
			hi, bounded := "", mi+1 < len(fs.fences)
			if bounded {
				hi = fs.fences[mi+1]
			}
			visit := func(e *entry[V]) error {
				if havePrev && prev >= e.key {
					return fmt.Errorf("model %d: key %q after %q", mi, e.key, prev)
				}
				if mi > 0 && e.key < fs.fences[mi] {
					return fmt.Errorf("model %d: key %q below fence %q", mi, e.key, fs.fences[mi])
				}
				if bounded && e.key >= hi {
					return fmt.Errorf("model %d: key %q at or above next fence %q", mi, e.key, hi)
				}
				prev, havePrev = e.key, true
				if !e.dead {
					live++
				}
				return nil
			}
			for _, e := range m.head {
				if err := visit(e); err != nil {
					return err
				}
			}
			pending := len(m.head)
			for i, e := range m.ents {
				if i > 0 && !(m.pos[i] > m.pos[i-1]) {
					return fmt.Errorf("model %d: positions %g, %g not increasing", mi, m.pos[i-1], m.pos[i])
				}
				if got := m.bucket(m.pos[i]); got > i {
					return fmt.Errorf("model %d: bucket of entry %d starts at %d", mi, i, got)
				}
				if err := visit(e); err != nil {
					return err
				}
				if !strings.HasPrefix(e.key, m.prefix) || m.hints[i] != hint(e.key, len(m.prefix)) {
					return fmt.Errorf("model %d: entry %q: prefix %q, hint %x", mi, e.key, m.prefix, m.hints[i])
				}
				if !e.absorbed {
					return fmt.Errorf("model %d: entry %q in the array not absorbed", mi, e.key)
				}
				r := m.pos[i] - m.fit.predict(e.key)
				if r < m.fit.minErr || r > m.fit.maxErr {
					return fmt.Errorf("model %d: key %q error %g outside [%g, %g]", mi, e.key, r, m.fit.minErr, m.fit.maxErr)
				}
				if j, eq := m.locate(e.key); j != i || !eq {
					return fmt.Errorf("model %d: locate(%q) = %d, %v; want %d", mi, e.key, j, eq, i)
				}
				for _, x := range m.list(i) {
					if err := visit(x); err != nil {
						return err
					}
					pending++
				}
			}
			if pending != m.pending {
				return fmt.Errorf("model %d: pending %d, lists hold %d", mi, m.pending, pending)
			}
			inUsed := make(map[int32]bool, len(m.used))
			for _, i := range m.used {
				if inUsed[i] || len(m.lists[i]) == 0 {
					return fmt.Errorf("model %d: used slot %d repeated or empty", mi, i)
				}
				inUsed[i] = true
			}
			for i, l := range m.lists {
				if len(l) > 0 && !inUsed[int32(i)] {
					return fmt.Errorf("model %d: list %d not in used", mi, i)
				}
				if i >= len(m.ents) && l != nil {
					return fmt.Errorf("model %d: list slot %d past the entries not nil", mi, i)
				}
			}
			return nil
		}()
		m.mu.RUnlock()
		if err != nil {
			return err
		}
	}
	if live != ix.Len() {
		return fmt.Errorf("Len %d, %d live entries", ix.Len(), live)
	}
	return nil
}
