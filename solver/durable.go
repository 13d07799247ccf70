package solver

import (
	"errors"
	"fmt"

	"github.com/libsia/sia/memo"
)

// OpenMemo opens (or creates) the durable memo file at path and loads it
// into the solver's store (see memo.Store.Open): a restarted index gets its
// factors back instead of cold-training every model. Records that fail
// their checksum or shape checks are dropped and listed in the report
// (those models cold-train). Errors wrap CodeIO.
func (s *Solver) OpenMemo(path string) (memo.OpenReport, error) {
	rep, err := s.store.Open(path)
	if err != nil {
		return rep, fmt.Errorf("%w: %v", &Error{Op: "memo_open", Code: CodeIO}, err)
	}
	return rep, nil
}

// Checkpoint writes the models changed since the last checkpoint to the
// durable memo in one transaction and returns how many records it wrote or
// deleted. Errors wrap CodeNotOpen or CodeIO.
func (s *Solver) Checkpoint() (int, error) {
	n, err := s.store.Checkpoint()
	return n, durableErr("memo_checkpoint", err)
}

// CloseMemo checkpoints and closes the durable memo; the memos stay in
// memory. Errors wrap CodeNotOpen or CodeIO.
func (s *Solver) CloseMemo() error {
	return durableErr("memo_close", s.store.Close())
}

func durableErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, memo.ErrNotOpen):
		return &Error{Op: op, Code: CodeNotOpen}
	default:
		return fmt.Errorf("%w: %v", &Error{Op: op, Code: CodeIO}, err)
	}
}
