/*
 * sia.h -- libsia: incremental least-squares training for learned indexes.
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
 *   1. Training calls  cold_train, incre_train   -- LAPACKE_dgels shaped
 *   2. Memo store      sia_memo_drop, sia_memo_clear, sia_memo_count
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
 * - Threads: every function may be called from any thread. Calls on
 *   different model IDs run in parallel; calls on the same model ID are
 *   serialized (each sees the memo the previous one left). No call blocks on
 *   a call for another ID except for a few nanoseconds of map locking.
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
#define SIA_VERSION_MINOR 1
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
  /* The extents of a or b exceed 2^40 elements: rejected before touching
   * or allocating memory. */
  SIA_ETOOBIG = -1003
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
 * any earlier memo of that ID (even one of another shape). A negative
 * model_id makes cold_train a pure dgels replacement that never touches the
 * store; so do the other trans/shape cases and n == 0.
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
 *                         residual sum of squares, as dgels leaves them.
 * [in]     ldb            leading dimension of b: >= nrhs row-major,
 *                         >= max(1,m,n) column-major.
 *
 * Returns 0 on success; -i for an illegal argument i (checked in
 * LAPACKE_dgels's order: layout -1; NaN or +-Inf in a -6 or b -8; row-major
 * lda < n -7, ldb < nrhs -9; trans -2, m -3, n -4, nrhs -5; column-major lda
 * -7, ldb -9; a or b NULL while it must be read -6 or -8); i > 0 when the
 * triangular factor has an exactly zero diagonal element i (A is not of full
 * rank; no solution is computed and no memo is stored, b is unspecified);
 * SIA_ETOOBIG. If min(m,n,nrhs) == 0, b's max(m,n) x nrhs block is set to zero
 * and 0 is returned, as dgels; with nrhs == 0, m >= n >= 1 the memo is still
 * stored.
 *
 * Differences from LAPACKE_dgels, all on inputs LAPACKE mishandles: +-Inf is
 * rejected like NaN; NULL a or b are reported instead of crashing; the
 * NaN check is always on (LAPACKE's can be switched off).
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

/* ---- Memo store --------------------------------------------------------
 * One process-wide store, keyed by model ID. A model costs
 * 8*(n(n+1)/2 + n*nrhs + nrhs) bytes of payload plus a fixed overhead of at
 * most 192 bytes (R is stored packed). */

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

/* ---- Miscellany -------------------------------------------------------- */

/*
 * sia_strerror -- a static, NUL-terminated English description of any
 * result code (of libsia or of the LAPACK argument convention). The string
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
