/* shim_calls.c -- one deterministic list of dgels calls (LAPACKE_dgels and
 * the Fortran dgels_), printing codes, results and XERBLA reports. Built
 * twice by `make shimtest`: against Debian's LAPACK and against
 * libsia_lapack.so; the two outputs must be identical. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

int LAPACKE_dgels(int matrix_layout, char trans, int m, int n, int nrhs, double *a, int lda, double *b, int ldb);
void dgels_(const char *trans, const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
            const int *ldb, double *work, const int *lwork, int *info, size_t trans_len);

/* The program's own XERBLA: both LAPACK and the shim must call it. */
void xerbla_(const char *srname, const int *info, size_t len) {
  printf("xerbla(%.*s, %d)\n", (int)len, srname, *info);
}

static unsigned s = 12345;
static double rnd(void) {
  s = s * 1103515245u + 12345u;
  return (double)((s >> 8) & 0xffff) / 65536.0 - 0.5;
}

static void fill(double *x, int len, int diag_ld) {
  for (int i = 0; i < len; i++) x[i] = rnd();
  if (diag_ld > 0)
    for (int i = 0; i * diag_ld + i < len; i++) x[i * diag_ld + i] += 4;
}

static void print_block(const char *tag, const double *b, int rows, int cols, int ld, int colmajor) {
  printf("%s:", tag);
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) printf(" %.6e", colmajor ? b[i + j * ld] : b[i * ld + j]);
  printf("\n");
}

int main(void) {
  static double a[4096], b[4096], work[8192];
  /* Fortran dgels_: both trans, m < n and m >= n, nrhs > 1, padded lds. */
  const int shapes[][5] = {{7, 4, 1, 9, 10}, {4, 7, 2, 5, 8}, {30, 17, 3, 31, 33}, {17, 30, 1, 20, 30}, {5, 5, 2, 5, 5}};
  for (size_t q = 0; q < sizeof shapes / sizeof shapes[0]; q++) {
    for (int t = 0; t < 2; t++) {
      int m = shapes[q][0], n = shapes[q][1], nrhs = shapes[q][2], lda = shapes[q][3], ldb = shapes[q][4];
      char trans = t ? 'T' : 'N';
      fill(a, lda * n, lda);
      fill(b, ldb * nrhs, 0);
      int lwork = -1, info;
      dgels_(&trans, &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
      printf("query m=%d n=%d nrhs=%d trans=%c: info=%d work=%g\n", m, n, nrhs, trans, info, work[0]);
      lwork = (int)work[0];
      dgels_(&trans, &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
      printf("dgels_ info=%d\n", info);
      int rows = trans == 'N' ? n : m;
      print_block("x", b, rows, nrhs, ldb, 1);
    }
  }
  /* Illegal arguments, one per kind, each through XERBLA. */
  {
    int m = 4, n = 3, nrhs = 1, lda = 4, ldb = 4, lwork = 100, info;
    int bad_m = -1, bad_n = -2, bad_nrhs = -1, bad_lda = 3, bad_ldb = 2, small_lwork = 1;
    fill(a, 16, 4), fill(b, 8, 0);
    dgels_("X", &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
    printf("bad trans: info=%d\n", info);
    dgels_("N", &bad_m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
    printf("bad m: info=%d\n", info);
    dgels_("N", &m, &bad_n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
    printf("bad n: info=%d\n", info);
    dgels_("N", &m, &n, &bad_nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
    printf("bad nrhs: info=%d\n", info);
    dgels_("N", &m, &n, &nrhs, a, &bad_lda, b, &ldb, work, &lwork, &info, 1);
    printf("bad lda: info=%d\n", info);
    dgels_("N", &m, &n, &nrhs, a, &lda, b, &bad_ldb, work, &lwork, &info, 1);
    printf("bad ldb: info=%d\n", info);
    work[0] = -7;
    dgels_("N", &m, &n, &nrhs, a, &lda, b, &ldb, work, &small_lwork, &info, 1);
    printf("bad lwork: info=%d work=%g\n", info, work[0]);
    /* Exactly rank deficient: a zero column. */
    fill(a, 16, 4);
    for (int i = 0; i < 4; i++) a[i + 1 * 4] = 0;
    dgels_("N", &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
    printf("zero column: info=%d\n", info);
  }
  /* LWORK too small (INFO = -10): LAPACK still puts the optimal size in
   * WORK(1). Both trans, m < n and m >= n, nrhs below and above min(m,n),
   * LWORK one short of the minimum and 1. */
  {
    const int cases[][3] = {{7, 4, 1}, {4, 7, 2}, {30, 17, 40}, {17, 30, 3}, {5, 5, 9}, {1, 1, 1}, {9, 2, 2}, {2, 9, 12}};
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++)
      for (int t = 0; t < 2; t++)
        for (int w = 0; w < 2; w++) {
          int m = cases[q][0], n = cases[q][1], nrhs = cases[q][2], lda = m, ldb = m > n ? m : n, info;
          int mn = m < n ? m : n, least = mn + (mn > nrhs ? mn : nrhs);
          int lwork = w ? 1 : least - 1;
          char trans = t ? 'T' : 'N';
          if (lwork < 1) continue; /* 1 is the least legal LWORK there */
          fill(a, lda * n, lda), fill(b, ldb * nrhs, 0);
          work[0] = -7;
          dgels_(&trans, &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, &info, 1);
          printf("small lwork=%d m=%d n=%d nrhs=%d trans=%c: info=%d work=%g\n", lwork, m, n, nrhs, trans, info, work[0]);
        }
  }
  /* More right-hand sides than libsia memoizes (4 096): a plain dgels call. */
  {
    static double bb[10 * 5000];
    int m = 10, n = 3, nrhs = 5000, lda = 10, ldb = 10, lwork = 8192, info;
    fill(a, 30, 10), fill(bb, 10 * 5000, 0);
    dgels_("N", &m, &n, &nrhs, a, &lda, bb, &ldb, work, &lwork, &info, 1);
    printf("nrhs=5000: info=%d\n", info);
    print_block("x[:, :4]", bb, 3, 4, ldb, 1);
    print_block("x[:, 4996:]", bb + 4996 * ldb, 3, 4, ldb, 1);
  }
  /* LAPACKE_dgels: both layouts, codes of illegal arguments. */
  for (int layout = 101; layout <= 102; layout++) {
    fill(a, 64, layout == 101 ? 5 : 8), fill(b, 64, 0);
    int rc = LAPACKE_dgels(layout, 'N', 8, 4, 2, a, layout == 101 ? 4 : 8, b, layout == 101 ? 2 : 8);
    printf("LAPACKE layout=%d rc=%d\n", layout, rc);
    print_block("x", b, 4, 2, layout == 101 ? 2 : 8, layout == 102);
  }
  printf("LAPACKE bad layout rc=%d\n", LAPACKE_dgels(7, 'N', 8, 4, 1, a, 4, b, 1));
  printf("LAPACKE bad lda rc=%d\n", LAPACKE_dgels(102, 'N', 8, 4, 1, a, 2, b, 8));
  printf("LAPACKE bad trans rc=%d\n", LAPACKE_dgels(102, 'Q', 8, 4, 1, a, 8, b, 8));
  printf("LAPACKE row-major bad lda rc=%d\n", LAPACKE_dgels(101, 'N', 8, 4, 1, a, 3, b, 1));
  printf("LAPACKE row-major bad ldb rc=%d\n", LAPACKE_dgels(101, 'N', 8, 4, 2, a, 4, b, 1));
  printf("LAPACKE row-major bad m rc=%d\n", LAPACKE_dgels(101, 'N', -8, 4, 1, a, 4, b, 1));
  printf("LAPACKE col-major bad ldb rc=%d\n", LAPACKE_dgels(102, 'N', 8, 4, 1, a, 8, b, 7));
  fflush(stdout);
  return 0;
}
