package solver

import (
	"errors"
	"fmt"
	"strings"

	"github.com/libsia/sia/memo"
)

// Library result codes. Negative codes above −1000 are LAPACK's: −i means
// argument i (numbered as in LAPACKE_dgels: layout 1, trans 2, m 3, n 4,
// nrhs 5, a 6, lda 7, b 8, ldb 9) is illegal. Positive codes i mean R(i,i) is
// exactly zero (A is not of full rank). libsia's own codes are pinned below
// −1000 and match include/sia.h.
const (
	// CodeOK is success.
	CodeOK = 0
	// CodeNoMemo: the model ID has no memo (never cold-trained, dropped,
	// evicted, or a negative ID); cold-train it.
	CodeNoMemo = -1001
	// CodeInternal: an internal error (a recovered panic); nothing was changed.
	CodeInternal = -1002
	// CodeTooBig: the problem's extents exceed MaxElements; nothing was read.
	CodeTooBig = -1003
	// CodeCold: the call refused work that would lose accuracy or rank — a
	// downdate (DecreTrain), a shifted re-solve whose corrections did not
	// converge (IncreTrainShifted), a memo that cannot keep the targets'
	// scale; the memo is unchanged; cold-train the model on its current
	// rows.
	CodeCold = -1004
	// CodeNoDevice: the requested training engine is not available (no
	// OpenCL loader, platform or such device, or the program failed to
	// build); the selection is unchanged.
	CodeNoDevice = -1005
	// CodeIO: the durable memo could not be opened, read or written.
	CodeIO = -1006
	// CodeNotOpen: no durable memo is open.
	CodeNotOpen = -1007
)

// MaxElements bounds the number of float64 elements any matrix argument may
// span (2⁴⁰, 8 TiB): a call whose a or b would span more is rejected with
// CodeTooBig before any memory is touched or allocated.
const MaxElements = 1 << 40

// MaxColumns bounds n and nrhs of the factored (memoized) problems: the
// augmented factor takes n·(n+nrhs) doubles of scratch (128 MiB at the
// bound), so a call above it is rejected with CodeTooBig before anything is
// allocated. Learned-index models have n ≤ a few hundred.
const MaxColumns = memo.MaxColumns

// Error is a failed call's result code together with the operation that
// returned it.
type Error struct {
	Op   string // e.g. "cold_train"
	Code int
}

// Error returns the message, e.g. "sia: incre_train: model has no memo
// (-1001)"; an argument code names the argument of e.Op's own declaration,
// e.g. "sia: incre_train_shifted: illegal m (argument 7) (-7)".
func (e *Error) Error() string {
	return fmt.Sprintf("sia: %s: %s (%d)", e.Op, StrerrorOp(e.Op, e.Code), e.Code)
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, solver.ErrNoMemo) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Op == "" || t.Op == e.Op)
}

// Sentinel errors for errors.Is.
var (
	ErrNoMemo   = &Error{Code: CodeNoMemo}
	ErrInternal = &Error{Code: CodeInternal}
	ErrTooBig   = &Error{Code: CodeTooBig}
	ErrCold     = &Error{Code: CodeCold}
)

// Code returns the numeric result code of err: 0 for nil, the code of an
// *Error anywhere in err's chain, CodeInternal otherwise.
func Code(err error) int {
	if err == nil {
		return CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

func newError(op string, code int) error {
	if code == CodeOK {
		return nil
	}
	return &Error{Op: op, Code: code}
}

// Strerror returns a static English description of a result code. An
// argument code −i names argument i of every call that can return it, each
// in its own declaration's numbering (e.g. −7: lda of the dgels-shaped
// calls, m of incre_train_shifted); StrerrorOp names one call's argument.
func Strerror(code int) string {
	if code < 0 && code > -1000 {
		if msg, ok := argCodes[code]; ok {
			return msg
		}
		return "illegal argument"
	}
	return strerror(code)
}

// StrerrorOp is Strerror for a code returned by the call op ("cold_train",
// "incre_train", "decre_train", "train_batch", "incre_train_shifted",
// "memo_merge"): an argument code names that call's argument, e.g.
// "illegal a_new (argument 5)" for incre_train_shifted's −5. Other codes,
// and codes of calls it does not know, are described as by Strerror.
func StrerrorOp(op string, code int) string {
	if code < 0 && code > -1000 {
		if names, ok := callArgs[op]; ok && -code <= len(names) {
			return argMessage(names, -code)
		}
		return Strerror(code)
	}
	return strerror(code)
}

func strerror(code int) string {
	switch {
	case code == CodeOK:
		return "success"
	case code == CodeNoMemo:
		return "model has no memo"
	case code == CodeInternal:
		return "internal error"
	case code == CodeTooBig:
		return "problem too large"
	case code == CodeIO:
		return "durable memo I/O error"
	case code == CodeNotOpen:
		return "no durable memo is open"
	case code == CodeNoDevice:
		return "requested training device not available"
	case code == CodeCold:
		return "the update would lose accuracy: cold-train the model"
	case code > 0:
		return "matrix is rank deficient: a diagonal element of R is exactly zero"
	}
	return "unknown error code"
}

// The arguments of each call that returns argument codes, in its C
// declaration's order (model_id is not counted).
var (
	dgelsArgs   = []string{"matrix_layout", "trans", "m", "n", "nrhs", "a", "lda", "b", "ldb"}
	shiftedArgs = []string{"matrix_layout", "k", "n", "nrhs", "a_new", "lda_new", "m", "a", "lda", "b", "ldb"}
	mergeArgs   = []string{"dst", "a", "b"}
	callArgs    = map[string][]string{
		"cold_train": dgelsArgs, "incre_train": dgelsArgs, "decre_train": dgelsArgs, "train_batch": dgelsArgs,
		"incre_train_shifted": shiftedArgs, "memo_merge": mergeArgs,
	}
)

// matrixArg reports whether argument i of the call with arguments names is
// a matrix, rejected also for NaN or ±Inf entries.
func matrixArg(names []string, i int) bool {
	return names[0] == "matrix_layout" && (names[i-1] == "a" || names[i-1] == "b" || names[i-1] == "a_new")
}

// argMessage describes illegal argument i of the call with arguments names.
func argMessage(names []string, i int) string {
	if matrixArg(names, i) {
		return fmt.Sprintf("illegal or non-finite %s (argument %d)", names[i-1], i)
	}
	return fmt.Sprintf("illegal %s (argument %d)", names[i-1], i)
}

// argCodes are Strerror's messages of the argument codes: each names the
// argument of every call that numbers it so.
var argCodes = func() map[int]string {
	m := make(map[int]string)
	for i := 1; i <= len(shiftedArgs); i++ {
		var parts []string
		for _, c := range []struct {
			names []string
			calls string
		}{
			{dgelsArgs, "cold_train, incre_train, decre_train, sia_train_batch jobs"},
			{shiftedArgs, "incre_train_shifted"},
			{mergeArgs, "sia_memo_merge"},
		} {
			if i > len(c.names) {
				continue
			}
			name := c.names[i-1]
			if matrixArg(c.names, i) {
				name += " or NaN/Inf in it"
			}
			parts = append(parts, name+" of "+c.calls)
		}
		m[-i] = fmt.Sprintf("illegal argument %d (%s)", i, strings.Join(parts, "; "))
	}
	return m
}()
