/* sia_lapack.c -- libsia_lapack.so, a LAPACK-ABI shim over libsia.
 *
 * Exports LAPACKE_dgels and the Fortran-ABI dgels_ implemented by
 * cold_train with no memo, so an existing program switches to libsia by
 * link order (-lsia_lapack before -llapack) or LD_PRELOAD, with no source
 * change. It is a separate library so that programs and tests can load
 * libsia.so next to a real LAPACK.
 *
 * - LAPACKE_dgels: same arguments, return codes and NaN check as
 *   LAPACKE's; illegal arguments are reported through LAPACKE_xerbla's
 *   message ("Wrong parameter %d in %s") exactly as LAPACKE does.
 * - dgels_: column-major, arguments by reference plus the hidden length of
 *   TRANS (gfortran's convention), LWORK = -1 workspace queries answered in
 *   WORK(1) with reference LAPACK's value (block size 32), LWORK checked as
 *   dgels does (an LWORK too small, INFO = -10, also gets the optimal size
 *   in WORK(1), as from LAPACK), argument errors reported by calling XERBLA('DGELS ', -INFO)
 *   like LAPACK. WORK is otherwise unused. libsia checks NaN/Inf where
 *   LAPACK's dgels does not: such inputs return INFO = -5 or -7 (a) / (b)
 *   without a XERBLA call, documented below.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sia.h"

#define EXPORT __attribute__((visibility("default")))



/* LAPACK's default XERBLA, used when the program provides none (weak): it
 * prints reference LAPACK's message and returns (as OpenBLAS's does; the
 * reference implementation stops the program instead). */
EXPORT __attribute__((weak)) void xerbla_(const char *srname, const int *info, size_t len) {
  printf(" ** On entry to %.*s parameter number %2d had an illegal value\n", (int)len, srname, *info);
}

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

EXPORT int LAPACKE_dgels(int matrix_layout, char trans, int m, int n, int nrhs, double *a, int lda, double *b,
                         int ldb) {
  int info = cold_train(-1, matrix_layout, trans, m, n, nrhs, a, lda, b, ldb);
  /* Report illegal arguments where LAPACKE does: a bad layout and, for
   * row-major input, lda < n or ldb < nrhs through LAPACKE_xerbla's message;
   * everything else is found by dgels itself, which calls XERBLA with its
   * Fortran argument number (LAPACKE's minus one). The NaN check (-6, -8 on
   * NaN data, or a NULL pointer LAPACKE would dereference) and libsia's own
   * codes report nothing. */
  if (info == -1) {
    printf("Wrong parameter %d in %s\n", 1, "LAPACKE_dgels");
  } else if (matrix_layout == SIA_ROW_MAJOR && ((info == -7 && lda < n) || (info == -9 && ldb < nrhs))) {
    printf("Wrong parameter %d in %s\n", -info, "LAPACKE_dgels_work");
  } else if (info < 0 && info > -1000 && info != -6 && info != -8) {
    int neg = -info - 1;
    xerbla_("DGELS ", &neg, 6);
  }
  return info;
}

EXPORT void dgels_(const char *trans, const int *m, const int *n, const int *nrhs, double *a, const int *lda,
                   double *b, const int *ldb, double *work, const int *lwork, int *info, size_t trans_len) {
  (void)trans_len;
  const char t = *trans;
  const int mn = imin(*m, *n);
  const int lquery = *lwork == -1;
  *info = 0;
  if (!(t == 'N' || t == 'n' || t == 'T' || t == 't')) *info = -1;
  else if (*m < 0) *info = -2;
  else if (*n < 0) *info = -3;
  else if (*nrhs < 0) *info = -4;
  else if (*lda < imax(1, *m)) *info = -6;
  else if (*ldb < imax(1, imax(*m, *n))) *info = -8;
  else if (*lwork < imax(1, mn + imax(mn, *nrhs)) && !lquery) *info = -10;
  if (*info == 0 || *info == -10) {
    /* Reference dgels: WSIZE = MAX(1, MN + MAX(MN, NRHS)*NB), NB = 32, in
     * WORK(1) for a query, a call, and a call whose LWORK is too small
     * (INFO = -10: the caller learns the size it should have passed). */
    work[0] = (double)imax(1, mn + imax(mn, *nrhs) * 32);
    if (*info == 0 && lquery) return;
  }
  if (*info != 0) {
    int neg = -*info;
    xerbla_("DGELS ", &neg, 6);
    return;
  }
  if (imin(*m, imin(*n, *nrhs)) == 0) {
    for (int j = 0; j < *nrhs; j++)
      for (int i = 0; i < imax(*m, *n); i++) b[i + (size_t)j * *ldb] = 0;
    return;
  }
  int rc = cold_train(-1, SIA_COL_MAJOR, t, *m, *n, *nrhs, a, *lda, b, *ldb);
  /* LAPACKE numbering (layout is argument 1) -> Fortran numbering. */
  *info = rc < 0 && rc > -1000 ? rc + 1 : rc;
}
