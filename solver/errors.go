package solver

import (
	"errors"
	"fmt"

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
	// CodeCold: a downdate (DecreTrain) was refused because it would lose
	// accuracy or rank; the memo is unchanged; cold-train the model on the
	// rows that remain.
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

// Error returns the message, e.g. "sia: incre_train: model has no memo (-1001)".
func (e *Error) Error() string {
	return fmt.Sprintf("sia: %s: %s (%d)", e.Op, Strerror(e.Code), e.Code)
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

// Strerror returns a static English description of a result code.
func Strerror(code int) string {
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
		return "downdate would lose accuracy: cold-train the model"
	case code < 0 && code > -1000:
		if code >= -len(argNames) {
			return argNames[-code-1]
		}
		return "illegal argument"
	case code > 0:
		return "matrix is rank deficient: a diagonal element of R is exactly zero"
	}
	return "unknown error code"
}

// argNames are the messages of the LAPACK argument codes −1 … −9.
var argNames = [...]string{
	"illegal matrix_layout (argument 1)",
	"illegal trans (argument 2)",
	"illegal m (argument 3)",
	"illegal n (argument 4)",
	"illegal nrhs (argument 5)",
	"illegal or non-finite a (argument 6)",
	"illegal lda (argument 7)",
	"illegal or non-finite b (argument 8)",
	"illegal ldb (argument 9)",
}
