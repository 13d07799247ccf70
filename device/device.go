// Package device owns libsia's training engines.
//
// An engine trains a batch of independent jobs. Each job is one model: its
// memoized augmented factor T = [R | Qᵀb] (n × (n+nrhs), upper trapezoidal)
// and a block of new rows [A_new | b_new]. The engine absorbs the rows into T
// with the structured Householder update of [T; A_new | b_new] and solves
// R·X = Qᵀb. Engines never see model IDs, locks or the memo store: the solver
// package unpacks a memo into a Job, hands the batch to an Engine and packs the
// result back only when the job succeeded.
//
// The CPU engine (package device/cpu) is always available. Engines are
// interchangeable: every engine must pass the shared suite in
// device/enginetest.
package device

// Rows is a block of K rows of a key matrix A (K × N) and of its targets
// B (K × NRHS), stored either row-major or column-major as in LAPACKE.
//
// Row-major: A[i*LDA+j], LDA ≥ N; B[i*LDB+r], LDB ≥ NRHS.
// Column-major: A[i+j*LDA], LDA ≥ K; B[i+r*LDB], LDB ≥ K.
// A nil B stands for zero targets.
type Rows struct {
	K        int
	ColMajor bool
	A        []float64
	LDA      int
	B        []float64
	LDB      int
}

// Job is one model's training work.
//
// On entry T holds the n × (n+nrhs) augmented factor [R | Qᵀb], row-major
// with leading dimension n+nrhs (R upper triangular; the strictly lower part
// is ignored and left untouched). When Fresh is set T is ignored on entry and
// the job factors New from scratch (New.K ≥ N is required).
//
// On exit T holds the factor of all rows absorbed so far plus New, RSS[r] has
// been increased by the squared norm of the part of column r of B that lies
// outside the range of A (the residual sum of squares grows by exactly that),
// and, when Solve is set, X (n × nrhs, row-major, ld nrhs) holds the solution
// of R·X = Qᵀb and Info is 0, or Info = i > 0 when R(i,i) is exactly zero
// (X is then unspecified, as with LAPACK's dtrtrs).
//
// Variants, selected by fields:
//
//   - MinNorm: the rank-revealing solve. X is the minimum-norm least-squares
//     solution from the SVD of R = U·Σ·Vᵀ, X = V·Σ⁺·Uᵀ·Qᵀb, where singular
//     values σ_i ≤ RCond·σ_max count as zero (LAPACK dgelss's rule, so the
//     result is dgelss's on all rows); Rank receives the effective rank and
//     Info is 0.
//   - All (shifted targets): New's targets are ignored (only its rows enter
//     R); the engine then solves against every current row All (K = all
//     rows, with their current targets) by corrected semi-normal equations —
//     X = R⁻¹R⁻ᵀAᵀb followed by correction steps X += R⁻¹R⁻ᵀAᵀ(b−AX) with
//     residuals in double-double, at most Refine of them, until they
//     converge to working precision (with MinNorm, (RᵀR)⁺ replaces R⁻¹R⁻ᵀ)
//     — rebuilds Qᵀb = R·X in T and sets RSS to the residual sum of squares
//     against All. O(K·n) per pass. When the corrections do not converge
//     (κ too large, or Refine too small) Info is InfoUnstable and T, RSS
//     and X are unspecified. Refine = 0 returns the uncorrected solution
//     unchecked (measurements only).
//   - Downdate: New's rows and targets are removed from T and RSS instead of
//     added (LINPACK's dchdd). Info is InfoUnstable, and T and RSS are then
//     unspecified, when a row cannot be removed accurately: 1 − ‖R⁻ᵀz‖² <
//     DowndateMinAlpha2 for a row z, a row whose transformed residual ζ
//     exceeds the norm cn of the downdated Qᵀb column (its target lies far
//     off the fit) or for which 1/α² + |ζ|/(α·cn) exceeds
//     1/DowndateMinAlpha2 (α² = 1 − ‖R⁻ᵀz‖²), a residual that would turn negative, or a result whose
//     estimated condition number exceeds DowndateMaxCond.
//
// When Fresh and Tail are both set, the engine writes into rows N..K-1 of
// New.B the transformed right-hand side that LAPACK's dgels leaves there: a
// vector whose squared norm is that column's residual sum of squares. New.A is
// used as scratch only by engines that document it; the CPU engine leaves it
// untouched.
type Job struct {
	N, NRHS int
	T       []float64
	Fresh   bool
	Tail    bool
	New     Rows
	RSS     []float64
	Solve   bool
	X       []float64
	Info    int

	MinNorm bool
	RCond   float64
	Rank    int

	All    *Rows
	Refine int
	// AllBound > 0 asks the engine to find AllMax = max |All.A| (padding
	// excluded; NaN if an entry is NaN) during its first pass over All,
	// instead of relying on a scan by the caller: when AllMax is NaN, ±Inf
	// or above AllBound the engine stops with Info = InfoRescan (T, RSS and
	// X unspecified), and the caller checks and scales the rows itself and
	// runs the job again. This saves a shifted solve one of its passes
	// over A. 0: the caller has checked All.
	AllBound float64
	AllMax   float64
	// AllRoute chooses how a job with All is solved: RouteAuto (the
	// engine's cost model), RouteCsne (the corrected semi-normal equations
	// with the updated R) or RouteRefactor (T and RSS rebuilt by factoring
	// All from scratch, then solved as a Fresh job with Solve would be).
	// Both give the least-squares solution of All and a T, RSS consistent
	// with it; RouteRefactor never refuses for conditioning.
	AllRoute Route

	Downdate bool
}

// InfoUnstable is Job.Info when a downdate was refused for stability, or
// when a shifted solve's corrections did not converge.
const InfoUnstable = -1

// InfoRescan is Job.Info when a job with AllBound > 0 found All's rows
// non-finite or above the bound (see Job.AllBound).
const InfoRescan = -2

// Route is how a shifted-target job (Job.All) is solved.
type Route int8

// Routes of a shifted-target job.
const (
	RouteAuto Route = iota
	RouteCsne
	RouteRefactor
)

// InfoInternal is Job.Info when the engine failed on the job internally (a
// panic in its code, recovered on whatever goroutine ran the job). T, RSS,
// X and the rows of New.B that Tail writes are then unspecified, the other
// jobs of the batch are unaffected, and the caller must discard the job's
// results. Its value is the C API's SIA_EINTERNAL (-1002), so a caller that
// passes a job's Info through as a result code reports it as such.
const InfoInternal = -1002

// Stability bounds of downdating (see Job).
const (
	// DowndateMinAlpha2 is the smallest 1 − ‖R⁻ᵀz‖² accepted for a removed
	// row z (its leverage may be at most 0.99): errors of the downdate grow
	// like ε/(1 − ‖R⁻ᵀz‖²), and below 1e-2 they measured more than 10× a
	// QR solve's on the remaining rows.
	DowndateMinAlpha2 = 1e-2
	// DowndateMaxCond is the largest 1-norm condition estimate of the
	// downdated R that is accepted.
	DowndateMaxCond = 1e10
)

// Engine trains batches of jobs. Run must process every job of the batch;
// jobs are independent (no two share memory) so an engine may run them in any
// order or in parallel. Run must not keep any slice of a job after returning.
// Run must not panic: a failure inside the engine, on any goroutine it uses,
// is reported as InfoInternal on the jobs it affected.
type Engine interface {
	// Name identifies the engine, e.g. "cpu" or "opencl:<device>".
	Name() string
	// Run trains every job in jobs.
	Run(jobs []*Job)
}

// A GroupSizer is an Engine that trains large batches best in bounded
// groups: a caller with many jobs (a retraining pass) gives Run groups whose
// factors and rows occupy at most bytes — for the CPU engine, what one
// core's cache holds, so that a pass of 10 000 models does not unpack them
// all at once — and trains up to concurrent groups at a time, each with
// each (for the CPU engine, a one-worker engine per group, so that
// everything done per job, not only Run, is spread over its workers).
// bytes ≤ 0, or an engine that is not a GroupSizer (an OpenCL device: one
// launch per batch), takes the whole batch in one Run.
type GroupSizer interface {
	Grouping() (bytes, concurrent int, each Engine)
}
