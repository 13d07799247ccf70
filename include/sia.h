/*
 * sia.h -- libsia: incremental least-squares training for learned indexes.
 * SPDX-License-Identifier: BSD-3-Clause -- Copyright (c) The libsia authors (LICENSE).
 *
 * libsia is a drop-in for LAPACK's least-squares driver dgels when training
 * the linear models of a learned index (SIndex, ALEX, LIPP, XIndex, ...). It
 * keeps, per model ID, the n x n triangular factor R of the model's key
 * matrix A = Q*R and Q^T*b, so that a retrain after inserts factors only the
 * k new rows -- O(k*n^2) instead of O(m*n^2) -- and still gives the model a
 * full retrain would give (the SIA method, PVLDB 2024).
 *
 * This header is the whole C API and its reference: what is not declared
 * here is not API (in particular not the header cgo generates next to
 * libsia.so). The API has two tiers:
 *
 *   1. Training calls  cold_train, incre_train, decre_train (LAPACKE_dgels
 *                      shaped), incre_train_shifted
 *   2. Options         sia_set_rcond, sia_set_refine_steps, sia_last_rank,
 *                      sia_set_threads
 *   3. Batches/devices sia_train_batch, sia_device_select,
 *                      sia_device_describe
 *   4. Memo store      sia_memo_drop, sia_memo_clear, sia_memo_count,
 *                      sia_memo_merge, sia_memo_set_limit, sia_memo_stats
 *   plus               sia_strerror, sia_version, sia_version_number
 *
 * Conventions shared by every call
 * --------------------------------
 * - Matrices follow LAPACKE: matrix_layout is SIA_ROW_MAJOR (101, the value
 *   of LAPACK_ROW_MAJOR) or SIA_COL_MAJOR (102, LAPACK_COL_MAJOR). A row-major
 *   r x c matrix X has X(i,j) at x[i*ldx + j], ldx >= c; a column-major one at
 *   x[i + j*ldx], ldx >= r. Elements outside the logical matrix (padding) are
 *   never written.
 * - Return codes: 0 on success; -i when argument i is illegal, counting the
 *   arguments as LAPACKE_dgels does (matrix_layout 1, trans 2, m 3, n 4,
 *   nrhs 5, a 6, lda 7, b 8, ldb 9; model_id is not counted), so the same bad
 *   call gets the same code from libsia and LAPACKE; i > 0 when R(i,i) is
 *   exactly zero (A does not have full rank); libsia's own codes (the
 *   SIA_E* values below), all below -1000. sia_strerror() describes any code.
 * - Failure is atomic: a call that returns a non-zero code leaves the memo
 *   store exactly as it was.
 * - Lifetime: a and b are used only during the call; the memo store keeps
 *   copies, never a caller's pointer.
 * - Threads: every function may be called from any thread, concurrently.
 *   Precisely: each call on a model ID (cold_train, incre_train, decre_train,
 *   incre_train_shifted, sia_memo_drop) holds that ID's lock for its whole
 *   duration, so calls on one ID are serialized -- the memo always equals the
 *   result of applying the completed calls on that ID one after another in
 *   lock order, and no call observes another's partial state. Multi-ID calls
 *   (sia_memo_merge, sia_train_batch) take all their IDs' locks in ascending
 *   ID order (no deadlock) and are atomic with respect to calls on those IDs.
 *   Calls on different IDs run in parallel and wait for each other only for
 *   the store's map lock (nanoseconds). sia_memo_clear drops each ID under
 *   its lock, one ID at a time; sia_memo_count and sia_memo_stats are
 *   snapshots. Options (sia_set_rcond, sia_set_threads, sia_device_select,
 *   sia_memo_set_limit) take effect for calls that start after they return.
 *   Verified by ctest/test_stress.c: 16 threads, 16 000 mixed calls on shared
 *   and disjoint IDs, every model equal to a serial replay.
 * - Errors never abort the process: an internal failure is reported as
 *   SIA_EINTERNAL and changes nothing.
 *
 * Thread-safety and memory notes, the math and measured speeds are also in
 * README.md.
 */
#ifndef SIA_H
#define SIA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version --------------------------------------------------------- */

#define SIA_VERSION_MAJOR 0
#define SIA_VERSION_MINOR 3
#define SIA_VERSION_PATCH 0
/* MAJOR*10000 + MINOR*100 + PATCH; compare with sia_version_number() to
 * check that the loaded library matches the header. */
#define SIA_VERSION_NUMBER \
  (SIA_VERSION_MAJOR * 10000 + SIA_VERSION_MINOR * 100 + SIA_VERSION_PATCH)

/* ---- Layouts ---------------------------------------------------------- */

#define SIA_ROW_MAJOR 101 /* == LAPACK_ROW_MAJOR */
#define SIA_COL_MAJOR 102 /* == LAPACK_COL_MAJOR */

/* ---- Result codes ------------------------------------------------------
 * Values are pinned and never reused. -1 .. -999 are LAPACK argument codes,
 * positive values are rank deficiency (R(i,i) == 0). New SIA_E* codes may be
 * added below the last one; treat unknown negative codes as errors. */
enum sia_result {
  SIA_OK = 0,
  /* The model ID has no memo: never cold-trained (or only as a non-memoized
   * call), dropped, or negative. Cold-train the model on all its rows. */
  SIA_ENOMEMO = -1001,
  /* Internal error (a bug in libsia, reported instead of crashing). Nothing
   * was changed. */
  SIA_EINTERNAL = -1002,
  /* The extents of a or b exceed 2^40 elements, or a call that keeps or
   * updates a memo has n or nrhs above 4096: rejected before touching or
   * allocating memory. (cold_train with model_id < 0 keeps no memo and
   * accepts any n and nrhs LAPACKE_dgels accepts.) */
  SIA_ETOOBIG = -1003,
  /* The call refused work that would lose accuracy or rank (see each):
   * a downdate (decre_train), a shifted re-solve whose corrections did not
   * converge (incre_train_shifted), or a memo that cannot keep the targets'
   * scale (see "Scaling"). The memo is unchanged: cold-train the model on
   * its current rows. */
  SIA_ECOLD = -1004,
  /* sia_device_select: the requested training engine is not available (no
   * OpenCL loader, platform or such device, no double precision, or the
   * program failed to build). The selection is unchanged. */
  SIA_ENODEVICE = -1005,
  /* The durable memo file could not be opened, read or written. */
  SIA_EIO = -1006,
  /* sia_memo_checkpoint/sia_memo_close: no durable memo is open. */
  SIA_ENOTOPEN = -1007
};

/* ---- Training calls ---------------------------------------------------- */

/*
 * cold_train -- solve a least-squares problem as LAPACKE_dgels, and memoize
 * its factor.
 *
 * Solves, for the m x n matrix A and the right-hand sides B:
 *   trans 'N', m >= n:  minimize ||A*X - B||_2            (least squares)
 *   trans 'N', m <  n:  minimize ||X||_2 s.t. A*X = B      (minimum norm)
 *   trans 'T', m >= n:  minimize ||X||_2 s.t. A^T*X = B    (minimum norm)
 *   trans 'T', m <  n:  minimize ||A^T*X - B||_2           (least squares)
 * For trans 'N', m >= n (the learned-index case) A is factored with
 * Householder QR, streamed through the same structured update kernel that
 * incre_train uses; the other cases use a Householder QR/LQ (gonum's dgels).
 *
 * Memoization: when trans is 'N', m >= n >= 1 and model_id >= 0, the call
 * stores for model_id the n x n upper-triangular R, Q^T*b (n x nrhs), the
 * number of rows (m) and each column's residual sum of squares, replacing
 * any earlier memo of that ID (even one of another shape); n and nrhs are
 * then limited to 4096 (SIA_ETOOBIG). A negative model_id makes cold_train
 * a pure dgels replacement that never touches the store and accepts every
 * call LAPACKE_dgels accepts (ctest/test_gels.c: nrhs = 5000, n = 4097);
 * so do the other trans/shape cases and n == 0.
 *
 * [in]     model_id       ID of the model to memoize; < 0: do not memoize.
 * [in]     matrix_layout  SIA_ROW_MAJOR or SIA_COL_MAJOR.
 * [in]     trans          'N' or 'T' (either case).
 * [in]     m, n           rows and columns of A; >= 0.
 * [in]     nrhs           columns of B; >= 0.
 * [in,out] a              m x n matrix A; may be overwritten (as by dgels).
 * [in]     lda            leading dimension of a: >= n row-major, >= max(1,m)
 *                         column-major.
 * [in,out] b              max(m,n) x nrhs. On entry the first m (trans 'N')
 *                         or n (trans 'T') rows hold B. On exit the first n
 *                         (trans 'N') or m (trans 'T') rows hold X; for
 *                         trans 'N' and m > n, rows n..m-1 of each column
 *                         hold a vector whose sum of squares is that column's
 *                         residual sum of squares, as with dgels (equal to
 *                         rounding; ctest/test_gels.c). Its entries are not
 *                         dgels's: both are Q^T*b below row n, for
 *                         different Householder Q's, and differ elementwise
 *                         for larger m.
 * [in]     ldb            leading dimension of b: >= nrhs row-major,
 *                         >= max(1,m,n) column-major.
 *
 * Returns 0 on success; -i for an illegal argument i (checked in
 * LAPACKE_dgels's order: layout -1; SIA_ETOOBIG before anything is read;
 * NaN or +-Inf in a -6 or b -8; row-major
 * lda < n -7, ldb < nrhs -9; trans -2, m -3, n -4, nrhs -5; column-major lda
 * -7, ldb -9; a or b NULL while it must be read -6 or -8); i > 0 when the
 * triangular factor has an exactly zero diagonal element i (A is not of full
 * rank; no solution is computed and no memo is stored, b is unspecified);
 * SIA_ETOOBIG. If min(m,n,nrhs) == 0, b's max(m,n) x nrhs block is set to zero
 * and 0 is returned, as dgels; with nrhs == 0, m >= n >= 1 the memo is still
 * stored.
 *
 * Scaling, as dgels: when the largest magnitude of A or of B lies outside
 * [SMLNUM, BIGNUM] (about 1e-292 and 1e292) the data are scaled into range,
 * solved, and the solution scaled back, so entries near overflow or deep in
 * the denormals are solved as accurately as ordinary ones; an all-zero A
 * gives the zero solution (b's max(m,n) x nrhs block zeroed) and 0. libsia
 * scales by powers of two (exactly); with model_id < 0 exactly where dgels
 * does. Memoized models scale their targets already outside [2^-400,
 * 2^400] (the memo holds their sums of squares) and keep the scale in the
 * memo, so incremental calls stay exact at the extremes too -- with one
 * exponent for all target columns. So with nrhs > 1 and target columns more
 * than about 1e240 apart at the ends of the range, a memo cannot keep the
 * small column: cold_train then still answers as dgels but stores no memo
 * (dropping any earlier one of model_id: incre_train returns SIA_ENOMEMO),
 * and incre_train, decre_train, incre_train_shifted, sia_train_batch and
 * sia_memo_merge refuse with SIA_ECOLD, changing nothing. Learned indexes
 * (nrhs = 1) are never affected. Where the exact solution itself overflows,
 * the result holds +-Inf or NaN with code 0, as dgels's does. ctest/test_extremes.c
 * checks every entry point against LAPACKE at 1e+-150 ... 1e-315 and
 * DBL_MAX/n; LAPACK's own DLS/DQR/DLQ tests (xlintstd) pass through the
 * LAPACK shim.
 *
 * Differences from LAPACKE_dgels, all on inputs LAPACKE mishandles or at
 * the limits of the arithmetic: +-Inf is rejected like NaN; NULL a or b are
 * reported instead of crashing; the NaN check is always on (LAPACKE's can be
 * switched off); where dgels scaled the data, the residual rows n..m-1 are
 * returned in the caller's scale (dgels leaves them scaled); and the code
 * for an exactly rank-deficient A can differ. Each library returns i > 0
 * when its computed R(i,i) is exactly zero, and 0 otherwise; on exactly
 * dependent columns (a constant byte column beside the bias) rounding
 * decides which, so on such key sets either may return i > 0 where the
 * other returns 0, and a 0 then comes with a meaningless solution (weights
 * above 1e10, typically 1e16 and far beyond). Use sia_set_rcond for such
 * key sets: it returns LAPACKE_dgelss's solution (ctest/test_extremes.c
 * checks both on 400 URL-key models).
 *
 * Thread-safety: safe; serialized with other calls on model_id.
 * Cost: about 2*m*n^2 flops for trans 'N', m >= n.
 * Since 0.1.
 */
int cold_train(int64_t model_id, int matrix_layout, char trans, int m, int n,
               int nrhs, double *a, int lda, double *b, int ldb);

/*
 * incre_train -- absorb new rows into a memoized model and re-solve.
 *
 * Given the memo of model_id (R and Q^T*b of the rows absorbed so far), and
 * m new rows A_new with targets B_new, computes the QR factor of
 * [R | Q^T*b; A_new | B_new] with a structured Householder update that uses
 * R's triangular shape (reflector j touches row j of R and the new rows
 * only): O(m*n^2) flops, old rows never needed. The memo becomes what
 * cold_train would have stored for every row absorbed so far plus these
 * (equal to rounding; R up to the signs of its rows), and the solution for
 * all rows is returned.
 *
 * [in]     model_id       ID of a memoized model.
 * [in]     matrix_layout  SIA_ROW_MAJOR or SIA_COL_MAJOR.
 * [in]     trans          must be 'N' (or 'n').
 * [in]     m              number of new rows; >= 1 (m < n is normal).
 * [in]     n              columns; >= 1 and equal to the memo's n.
 * [in]     nrhs           target columns; equal to the memo's nrhs.
 * [in]     a              m x n new rows; not modified.
 * [in]     lda            leading dimension of a, as for cold_train.
 * [in,out] b              max(m,n) x nrhs. On entry the first m rows hold
 *                         the new rows' targets; on exit the first n rows hold
 *                         the solution X for all absorbed rows. Other rows
 *                         are not written.
 * [in]     ldb            leading dimension of b: >= nrhs row-major,
 *                         >= max(1,m,n) column-major.
 *
 * Returns 0 on success; -i for an illegal argument i as in cold_train (trans
 * other than 'N' -2, m < 1 -3, n < 1 -4; NaN/Inf is looked for in the first m
 * rows of b only); SIA_ENOMEMO if model_id has no memo (cold-train it);
 * -4 or -5 if n or nrhs differ from the memo's; i > 0 if the updated R(i,i)
 * is exactly zero; SIA_ETOOBIG. On any non-zero return the memo is unchanged
 * and b is not written.
 *
 * Thread-safety: safe; serialized with other calls on model_id.
 * Cost: about 2*m*n^2 flops + O(n^2) to unpack and repack the memo.
 * Since 0.1.
 */
int incre_train(int64_t model_id, int matrix_layout, char trans, int m, int n,
                int nrhs, double *a, int lda, double *b, int ldb);

/*
 * decre_train -- remove rows from a memoized model (exact deletes) and
 * re-solve.
 *
 * The arguments are those of incre_train, with a holding m rows that were
 * absorbed earlier and b their targets as absorbed (a later
 * incre_train_shifted counts as absorbing all rows with their then-current
 * targets). R and Q^T*b are downdated by LINPACK's dchdd (Saunders' method):
 * for each row z, a = R^-T z, alpha^2 = 1 - ||a||^2, and n Givens rotations
 * turn [R; 0] into [R'; z^T] with R'^T R' = R^T R - z z^T. O(m*n^2). The
 * memo becomes what cold_train on the remaining rows would store (to
 * rounding), and the first n rows of b receive that solution.
 *
 * Downdating is refused with SIA_ECOLD, leaving the memo untouched, when it
 * would lose accuracy (measured: beyond these limits its error exceeded 10x
 * that of dgels on the remaining rows): alpha^2 < 1e-2 for some removed row
 * (its leverage above 0.99: the row carries almost all the information in
 * some direction), a removed row whose transformed residual zeta exceeds
 * the norm cn of the downdated Q^T*b (its target lies far off the fit) or
 * for which 1/alpha^2 + |zeta|/(alpha*cn), the two amplifications
 * together, exceeds 100, fewer
 * than n rows left, or a 1-norm condition estimate of the new R above 1e10.
 * The caller then cold-trains the remaining rows. Lazy deletion -- never
 * calling decre_train and leaving deleted keys in the model, as the SIA
 * paper does -- remains valid: the model then fits a superset of the live
 * keys.
 *
 * What can and cannot be detected: removing a row that was never absorbed
 * (or removing one twice) is refused when the row has an entry larger than
 * any absorbed row or target, when it would turn a residual sum of squares
 * negative, or when it fails the tests above; a row that lies within the
 * model's span and near its fit cannot be told from an absorbed one by the
 * factor alone, and removing it silently yields the model of a different
 * row set. Keep track of what each model absorbed.
 *
 * Returns 0; -i as incre_train; SIA_ENOMEMO; SIA_ECOLD; SIA_ETOOBIG. In the
 * rank-revealing mode (sia_set_rcond) a singular R cannot be downdated:
 * SIA_ECOLD.
 * Thread-safety: safe; serialized with other calls on model_id.
 * Since 0.1.
 */
int decre_train(int64_t model_id, int matrix_layout, char trans, int m, int n,
                int nrhs, double *a, int lda, double *b, int ldb);

/*
 * incre_train_shifted -- absorb new rows and re-solve against targets that
 * moved.
 *
 * In SIndex-style indexes an insert shifts the positions of later keys: old
 * rows keep their key bytes but their targets change. This call absorbs the
 * k new rows a_new into R (as incre_train, O(k*n^2)), then solves against
 * all m current rows a with their current targets b using the memoized R,
 * by corrected semi-normal equations, never re-factoring A:
 *   x = R^-1 R^-T A^T b,   then  x += R^-1 R^-T A^T (b - A x)
 * with residuals accumulated in double-double, until the correction
 * converges to working precision (at most sia_set_refine_steps of them).
 * Each pass reads a once (O(m*n)); the check of a for NaN, Inf and extreme
 * magnitudes is folded into the first. On a well-conditioned model the
 * first correction is accepted (its estimated remaining error is already
 * below 4*n*eps*||x||), so the call reads a twice in all. The memo's Q^T*b
 * is rebuilt as R*x and its residual sums of squares as ||b - A x||^2, so
 * that a later incre_train is consistent with the current targets.
 *
 * Never the costlier route: where factoring all m rows afresh costs less
 * than the passes above (small n -- the crossover is near n = 12 for
 * row-major rows and n = 6 for column-major ones --, few rows, where the
 * call's fixed work weighs, many new rows, a condition number that would
 * need several corrections or leaves no hope of convergence, or data near
 * the ends of the floating-point range, where the corrected route's
 * narrower scaling would cost a small column its digits), the call does
 * that instead and rebuilds the memo from it: the answer is
 * then cold_train's on a, and the call never refuses for conditioning. The
 * caller must pass in a_new the same rows that a holds for the new keys:
 * a_new is checked (NaN, Inf, dimensions) on both routes, but neither
 * compares it with a: the refactoring route reads only a, and on the
 * corrected route a mismatch gives a wrong answer or SIA_ECOLD.
 *
 * Accuracy: when the corrections converge the solution is at least as
 * accurate as dgels on all rows (measured against the exact solution for
 * cond(A) up to 1e12; docs/index-semantics.md, "Shifted targets").
 * Convergence is assured only while about cond(A)^2 * eps < 1, but in
 * practice reaches further (cond(A) up to about 1e9; on some data beyond).
 * Where LAPACK's condition estimate of R puts 16*n*eps*cond^2 at 1e6 or
 * more (cond of about 2e9-6e9 for n = 129-17), the call refits instead of
 * trying. When the corrections taken do not converge -- they stop
 * shrinking, or the step limit (sia_set_refine_steps) comes first -- the
 * call returns SIA_ECOLD and changes nothing: cold-train the model on its
 * current rows.
 *
 * [in]     model_id       ID of a memoized model.
 * [in]     matrix_layout  SIA_ROW_MAJOR or SIA_COL_MAJOR (all matrices).
 * [in]     k              number of new rows; >= 1.
 * [in]     n              columns; equal to the memo's n.
 * [in]     nrhs           target columns; equal to the memo's nrhs.
 * [in]     a_new          k x n new rows; not modified.
 * [in]     lda_new        leading dimension of a_new (>= n row-major,
 *                         >= k column-major).
 * [in]     m              all current rows: the memo's rows plus k.
 * [in]     a              m x n, every current row (new ones included);
 *                         not modified.
 * [in]     lda            leading dimension of a.
 * [in,out] b              max(m,n) x nrhs; on entry the current targets of
 *                         the m rows, on exit the solution in the first n
 *                         rows.
 * [in]     ldb            leading dimension of b (>= nrhs row-major,
 *                         >= max(m,n) column-major).
 *
 * Returns 0; -i for illegal argument i counted in this declaration's order
 * (matrix_layout 1, k 2, n 3, nrhs 4, a_new 5, lda_new 6, m 7, a 8, lda 9,
 * b 10, ldb 11; NaN/Inf in a_new, a or b: -5, -8, -10); SIA_ENOMEMO; -3/-4
 * when n/nrhs differ from the memo's; -7 when m is not the memo's rows + k;
 * i > 0 when the updated R(i,i) is exactly zero; SIA_ECOLD when the
 * corrections did not converge; SIA_ETOOBIG. On error the memo is unchanged
 * and b is not written.
 * Cost: O(k*n^2 + m*n) per call on the corrected route, O(m*n^2) (a cold
 * fit) on the other; never more than cold_train on the same rows by the
 * library's cost model (docs/performance.md, "Shifted retraining").
 * Thread-safety: safe; serialized with other calls on model_id.
 * Since 0.1.
 */
int incre_train_shifted(int64_t model_id, int matrix_layout, int k, int n,
                        int nrhs, const double *a_new, int lda_new, int m,
                        const double *a, int lda, double *b, int ldb);

/* ---- Options ----------------------------------------------------------- */

/*
 * sia_set_rcond -- choose how cold_train (trans 'N', m >= n), incre_train
 * and incre_train_shifted solve.
 *
 * rcond < 0 (the default): dgels's behaviour, a triangular solve that fails
 * with i > 0 when R(i,i) is exactly zero. rcond >= 0: the rank-revealing
 * mode for key sets with constant or identical byte columns: the solution is
 * the minimum-norm least-squares solution LAPACKE_dgelss returns for the
 * same rcond (singular values s_i <= rcond * s_max count as zero), computed
 * from the memoized n x n R in O(n^3) whatever m -- by its SVD, or, where
 * 1/||R^-1||_F > rcond * ||R||_F proves every singular value above the
 * threshold, by the triangular solve that then gives the same solution
 * (about a tenth of the SVD's cost); rank-deficient models are memoized
 * too, so later incremental calls work. dgelss reads a
 * negative rcond as machine precision: pass DBL_EPSILON for that.
 *
 * Process-wide; takes effect for calls that start after it returns.
 * Thread-safety: safe. Since 0.1.
 */
void sia_set_rcond(double rcond);

/*
 * sia_set_refine_steps -- the refinement policy of incre_train_shifted: the
 * most correction steps it applies before refusing with SIA_ECOLD.
 *
 * max_steps is clamped to 1 .. 32; the default is 8, enough for cond(A) up
 * to about 1e8-1e9. Corrections stop as soon as they converge, so a larger
 * limit costs nothing on well-conditioned models (one correction suffices
 * there); a smaller one makes ill-conditioned models refuse sooner and
 * cold-train. No setting makes the call return an unconverged answer.
 * Returns the value now in effect.
 * Process-wide; takes effect for calls that start after it returns.
 * Thread-safety: safe. Since 0.2.
 */
int sia_set_refine_steps(int max_steps);

/*
 * sia_set_threads -- the number of CPU worker threads training uses (the
 * SIA_THREADS environment variable sets the initial value; default 1, so
 * that an index's query threads keep the other cores, as the SIA paper
 * argues). With n >= 2 a large cold_train is split across the workers: each
 * factors a share of the rows and one more structured update per share
 * merges the partial factors. n < 1 means 1.
 * Process-wide; calls in flight finish with the setting they started with.
 * Thread-safety: safe. Since 0.1.
 */
void sia_set_threads(int n);

/*
 * sia_last_rank -- the effective rank found by the calling thread's last
 * cold_train, incre_train or incre_train_shifted: n (min(m,n) for the
 * non-memoized shapes) on success in dgels mode, the rcond-decided rank in
 * the rank-revealing mode, -1 after a failed call or before any call.
 * Thread-local: other threads' calls do not change it. Since 0.1.
 */
int sia_last_rank(void);

/* ---- Batches and training devices ------------------------------------- */

/* One model's incremental training in a batch (sia_train_batch): the
 * arguments of incre_train with trans 'N', and its result. */
struct sia_job {
  int64_t model_id;   /* [in]  a memoized model */
  int matrix_layout;  /* [in]  SIA_ROW_MAJOR or SIA_COL_MAJOR */
  int m, n, nrhs;     /* [in]  new rows, columns, target columns */
  const double *a;    /* [in]  m x n new rows; not modified */
  int lda;            /* [in]  leading dimension of a */
  double *b;          /* [in,out] max(m,n) x nrhs: targets in, solution out */
  int ldb;            /* [in]  leading dimension of b */
  int info;           /* [out] the job's code, as incre_train returns it */
};

/*
 * sia_train_batch -- train many models incrementally in one call: what an
 * index's single training thread calls once per retraining pass.
 *
 * Each job is exactly incre_train(job.model_id, job.matrix_layout, 'N',
 * job.m, job.n, job.nrhs, job.a, job.lda, job.b, job.ldb) and receives its
 * own code in job.info; a failing job changes nothing and does not affect
 * the others. Jobs on distinct model IDs go to the training engine together
 * (on the CPU engine in groups that fit a core's L2 cache, sia_set_threads
 * groups at a time; on an OpenCL device as one launch of one work-group per
 * model); jobs repeating a model ID are applied in batch order. On the CPU
 * engine every job's result and memo are bit for bit those of the
 * incre_train call (TestTrainBatchGroups, on 1 to 3 threads).
 *
 * Returns the number of jobs whose info is non-zero (0: all succeeded); -1
 * if jobs is NULL while count > 0; -2 if count < 0.
 * Thread-safety: safe; the batch holds the locks of all the IDs it trains
 * (taken once, in ascending order, for the whole call, also when it repeats
 * an ID), so it is serialized with other calls on those IDs. Jobs may run
 * concurrently: one job's b must not overlap another job's a or b.
 * Lifetime: a, b and the job array are used only during the call.
 * Since 0.1.
 */
int sia_train_batch(struct sia_job *jobs, int count);

/*
 * sia_device_select -- choose the training engine.
 *
 * spec: "auto" (the default, also read from SIA_DEVICE at load): an OpenCL
 * accelerator or GPU when one is present, otherwise the CPU engine -- a
 * CPU-type OpenCL device such as PoCL is never chosen automatically, and
 * jobs under 1e6 flops (2*k*n^2) stay on the CPU, where a device launch
 * would cost more than the work; "cpu"; "opencl": the preferred usable
 * OpenCL device (accelerator, GPU, CPU); "opencl:<platform>:<device>":
 * that device (indexes as sia_device_describe lists them). OpenCL is loaded
 * at run time (dlopen("libOpenCL.so.1"), or $SIA_OPENCL_LIB), and only when
 * needed: by sia_device_select("opencl..."), sia_device_describe, or under
 * "auto" the first job of 1e6 flops or more -- loading libsia and small
 * calls never touch it (ctest/test_lazy_load.c); a precompiled
 * program for FPGA boards is taken from $SIA_OPENCL_BINARY. Jobs the OpenCL
 * kernel does not run (cold training that must leave dgels's residual
 * rows, decre_train, incre_train_shifted, the rank-revealing mode,
 * n + nrhs > 256) and jobs of a launch that failed on the device run on
 * the CPU engine; nothing is lost, and sia_device_describe counts them.
 * libsia never changes the process's environment: the OpenCL driver runs
 * with the host's settings (PoCL's POCL_* variables, say) or its defaults;
 * signal handlers a driver installs while it initialises or compiles (PoCL
 * and its LLVM: SIGFPE, SIGINT, SIGSEGV and others) are removed again when
 * that OpenCL call returns, so the host's dispositions stay its own.
 *
 * Returns 0; SIA_ENODEVICE if the engine cannot be opened (the selection
 * is unchanged); -1 if spec is NULL.
 * Thread-safety: safe; calls in flight finish on the engine they started
 * with, and the replaced engine's OpenCL objects (context, queue, program)
 * are released once they have; engines on one device share those objects,
 * so reselecting costs neither a rebuild nor memory (ctest/test_device.c:
 * 1 000 reselections, no fd and < 24 MiB RSS growth). Since 0.1.
 */
int sia_device_select(const char *spec);

/*
 * sia_device_describe -- a human-readable report: the selection, the CPU
 * engine (workers, SIMD kernel), every OpenCL device found, and the
 * OpenCL engine's counters (jobs on the device, routed to the CPU, fallbacks
 * after device errors, the last device error).
 *
 * Writes at most len bytes including the terminating NUL into buf (always
 * NUL-terminated when len > 0) and returns the length of the full report,
 * as snprintf does; -1 if len < 0 or buf is NULL with len > 0.
 * Thread-safety: safe. Since 0.1.
 */
int sia_device_describe(char *buf, int len);

/* ---- Memo store --------------------------------------------------------
 * One process-wide store, keyed by model ID. A model costs
 * 8*(n(n+1)/2 + n*nrhs + nrhs) bytes of payload (R is stored packed),
 * rounded up to the Go allocator's size class, plus 224 bytes (model
 * struct, store slot, map entry): what sia_memo_stats.bytes counts. */

/*
 * sia_memo_drop -- forget a model's memo (e.g. when the index deletes or
 * splits the model; a split's children cold-train).
 *
 * Returns 0 if the model had a memo, SIA_ENOMEMO if it had none (harmless).
 * Thread-safety: safe; serialized with other calls on model_id.
 * Since 0.1.
 */
int sia_memo_drop(int64_t model_id);

/*
 * sia_memo_clear -- forget every memo.
 *
 * Calls running concurrently finish first for the IDs they hold; a memo
 * they store after sia_memo_clear has passed their ID survives.
 * Thread-safety: safe. Since 0.1.
 */
void sia_memo_clear(void);

/*
 * sia_memo_count -- number of models that have a memo.
 *
 * Thread-safety: safe (a snapshot). Since 0.1.
 */
int64_t sia_memo_count(void);

/*
 * sia_memo_merge -- memoize the union of two models' rows (a node merge).
 *
 * dst receives the memo of all rows of models a and b, computed from their
 * factors alone: the QR factorization of [R_a | Q^T b_a; R_b | Q^T b_b] by
 * the structured update, O(n^3); rows and residual sums of squares add up.
 * dst may equal a or b; a and b keep their memos otherwise. A node split has
 * no such shortcut: its children hold subsets of the rows, so they
 * cold-train (drop the parent's memo).
 *
 * Returns 0; -1 if dst < 0; SIA_ENOMEMO if a or b has no memo; -3 if b's n
 * or nrhs differ from a's; SIA_ECOLD if the merged memo could not keep every
 * target column (nrhs > 1 only; see cold_train, "Scaling"). On error nothing
 * changes.
 * Thread-safety: safe; the three IDs are locked together (in ascending
 * order), so the merge is atomic with respect to other calls on them.
 * Since 0.1.
 */
int sia_memo_merge(int64_t dst, int64_t a, int64_t b);

/*
 * sia_memo_set_limit -- bound the memo store's memory.
 *
 * bytes <= 0 (the default): unbounded. Otherwise, whenever the memos'
 * accounted bytes exceed the limit, least-recently-used memos are evicted
 * (their next incre_train returns SIA_ENOMEMO and the caller cold-trains).
 * Memos held by calls in flight are not evicted until those calls return, so
 * the store may exceed the limit by those models. Takes effect at once.
 * Thread-safety: safe. Since 0.1.
 */
void sia_memo_set_limit(int64_t bytes);

/* Counters of the memo store (sia_memo_stats). */
struct sia_memo_stats {
  int64_t models;    /* memos stored */
  int64_t bytes;     /* the heap the memos occupy: per model its payload,
                        8*(n(n+1)/2 + n*nrhs + nrhs) bytes rounded up to
                        the Go allocator's size class (whole 8 KiB pages
                        above 32 KiB), plus 224 (model struct, store slot,
                        map entry); 5088 for n = 33, nrhs = 1. An upper
                        bound of the measured heap, by at most 48 bytes a
                        model (README, "Memory") */
  int64_t limit;     /* the limit set; <= 0: unbounded */
  int64_t hits;      /* incre_train/decre_train/incre_train_shifted calls
                        and sia_train_batch jobs that found their memo */
  int64_t misses;    /* ... that found none (SIA_ENOMEMO) */
  int64_t evictions; /* memos evicted by the limit */
  int64_t corrupt;   /* models sia_memo_open found damaged in the durable
                        memo file: records that failed their checksum or
                        shape checks (dropped), plus models lost with a
                        damaged part of the file's index (IDs unknown) */
};

/*
 * sia_memo_stats -- copy the store's counters into *out.
 * Returns 0, or -1 if out is NULL. Thread-safety: safe (a snapshot).
 * Since 0.1.
 */
int sia_memo_stats(struct sia_memo_stats *out);

/* ---- Durable memo ------------------------------------------------------
 * The memo store can be persisted in one file, so that a restarted index
 * reloads its factors instead of cold-training every model. Engine (since
 * 0.3): libsia's own log format, no mmap and no library beyond libc. A
 * checkpoint appends the records of the models changed since the last one
 * (deletions for those dropped or evicted) and an index frame listing
 * them, each frame with a CRC-32C, and is confirmed by one fdatasync; two
 * header slots point at the newest index. Once the log holds more than
 * twice the live records (+1 MiB), a checkpoint rewrites the file: write,
 * fdatasync, rename over the old one, fsync of the directory. Details, the
 * engines compared and the measurements: docs/durability.md.
 *
 * Guarantees, each tested (memo/powerloss_test.go, memo/sweep_test.go,
 * memo/concurrent_test.go, solver/crash_test.go):
 * - A crash, SIGKILL or power loss (on storage that honours fsync) loses
 *   at most the changes since the last confirmed checkpoint (one whose
 *   sia_memo_checkpoint or sia_memo_close returned >= 0): the file reopens
 *   at that checkpoint or at a later complete one, never a mix of two.
 * - Opening a damaged file never crashes or hangs the process and takes
 *   time and memory proportional to the file's size. No model that loads
 *   differs from what was checkpointed: a record failing its checks is
 *   dropped (that model, not an older version of it) and counted in
 *   sia_memo_stats.corrupt, as are models lost with a damaged older index
 *   frame; a file whose newest checkpoint cannot be trusted (cut short, or
 *   its newest index frame or both header slots damaged) gives SIA_EIO.
 * - Files written by 0.2 (bbolt's format) are read by a bounds-checked
 *   reader of that format (no crash, hang or wrong model; but bbolt's pages
 *   carry no checksum, so some damage to a 0.2 file can lose models without
 *   a report) and rewritten in the current format by the first checkpoint;
 *   0.2 cannot open the rewritten file.
 * Measured (bench/reliability/engines.sh, raw output in
 * bench/reliability/engines.txt: 3 rounds on a shared 2-vCPU VM, ext4,
 * load 10-12): 41-51 us per model in a checkpoint of 20 000 new models
 * (n = 33), 40-59 us per model for 1 000 changed of 10 000, 0.4-1.8 ms for
 * a checkpoint of one changed model (bbolt, 0.2: 101-164 us, 48-81 us,
 * 1.4-3.1 ms); reloading 100 000 models (n = 33) takes 0.69-1.88 s. */

/*
 * sia_memo_open -- open the durable memo at path, creating it if no file
 * exists there, and load it.
 *
 * Loaded records replace in-memory memos of the same IDs; memos only in
 * memory are kept and written at the next checkpoint. From now on every
 * change is tracked for sia_memo_checkpoint. The file is locked (flock):
 * one process at a time.
 *
 * New or emptied: a new memo file is created only where no file exists
 * (it is written in full, synced and renamed into place, so libsia never
 * leaves a zero-length or partial one). An existing file that is empty,
 * not a memo file, or damaged beyond trust gives SIA_EIO and is left as it
 * is: remove it to start a new memo. A memo emptied by sia_memo_clear and
 * a checkpoint is a valid file and opens with 0 models. A caller that
 * needs to know whether the file was created checks whether path exists
 * before the call.
 *
 * Returns the number of models loaded (>= 0); SIA_EIO (unreadable; locked
 * by another process for 2 s; a durable memo already open; empty, foreign
 * or untrustworthy file, see above), or -1 if path is NULL. Models found
 * damaged are not loaded and are counted in sia_memo_stats.corrupt (they
 * cold-train: SIA_ENOMEMO).
 * Thread-safety: safe. Since 0.1.
 */
int sia_memo_open(const char *path);

/*
 * sia_memo_checkpoint -- write the models changed since the last checkpoint
 * (and delete those dropped or evicted since) as one checkpoint.
 *
 * Training may run concurrently: each model is written as it is when the
 * checkpoint copies it, and a model changed during the checkpoint is
 * written by it or by the next one. Returns the number of models written
 * or deleted (>= 0; the checkpoint is then confirmed, durable), SIA_ENOTOPEN,
 * or SIA_EIO (nothing of this checkpoint is confirmed; the changes stay
 * pending; after a failed fsync every later checkpoint fails too, until
 * the memo is closed and reopened).
 * Thread-safety: safe; checkpoints are serialized. Since 0.1.
 */
int sia_memo_checkpoint(void);

/*
 * sia_memo_close -- checkpoint, then close the durable memo. The memos stay
 * in memory. Returns 0, SIA_ENOTOPEN or SIA_EIO.
 * Thread-safety: safe. Since 0.1.
 */
int sia_memo_close(void);

/* ---- Miscellany -------------------------------------------------------- */

/*
 * sia_strerror -- a static, NUL-terminated English description of any
 * result code (of libsia or of the LAPACK argument convention). An argument
 * code -i names argument i of every call in that call's own numbering
 * (e.g. -7: "illegal argument 7 (lda of cold_train, incre_train,
 * decre_train, sia_train_batch jobs; m of incre_train_shifted)"). The string
 * belongs to the library and lives until the process exits; never free it.
 * Thread-safety: safe. Since 0.1.
 */
const char *sia_strerror(int code);

/*
 * sia_version -- the loaded library's version as "MAJOR.MINOR.PATCH"
 * (static string). Since 0.1.
 */
const char *sia_version(void);

/*
 * sia_version_number -- the loaded library's SIA_VERSION_NUMBER; compare it
 * with the header's macro to detect a mismatched build. Since 0.1.
 */
int sia_version_number(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SIA_H */
