package cpu

// Panic messages of the kernels. The kernels panic only on programming errors
// of their callers (the solver validates every user argument first).
const (
	errNLT0   = "cpu: n < 0"
	errKLT0   = "cpu: k < 0"
	errKLTN   = "cpu: k < n"
	errNCLTN  = "cpu: nc < n"
	errNRHS   = "cpu: nrhs < 0"
	errBadLdT = "cpu: bad leading dimension of T"
	errBadLdW = "cpu: bad leading dimension of W"
	errBadLdX = "cpu: bad leading dimension of X"
	errShortT = "cpu: T too short"
	errShortW = "cpu: W too short"
	errShortX = "cpu: X too short"
)
