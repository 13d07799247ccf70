/* test_gels.c -- cold_train and incre_train through libsia.so against
 * Debian's LAPACKE_dgels on the same inputs: both trans values, both layouts,
 * m < n and m >= n, nrhs > 1, padded leading dimensions (padding must stay
 * untouched), identical return codes for each kind of illegal argument and
 * for an exactly rank-deficient matrix, and incremental training against a
 * full LAPACKE refit. */
#include <lapacke.h>
#include <string.h>

#include "check.h"
#include "sia.h"

/* Well-conditioned test matrix: uniform entries plus a dominant "diagonal". */
static void fill_a(int layout, int m, int n, double *a, int lda) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      a[at(layout, i, j, lda)] = rng_uniform() + (i % n == j ? 4.0 : 0.0);
}

static double *poisoned(size_t len) {
  double *x = malloc(len * sizeof *x);
  for (size_t i = 0; i < len; i++) x[i] = NAN;
  return x;
}

/* Relative 2-norm difference of the first rows x nrhs block of two b's. */
static double reldiff(int layout, int rows, int nrhs, const double *x,
                      const double *y, int ldb) {
  double d = 0, s = 0;
  for (int i = 0; i < rows; i++)
    for (int r = 0; r < nrhs; r++) {
      double u = x[at(layout, i, r, ldb)], v = y[at(layout, i, r, ldb)];
      d += (u - v) * (u - v);
      s += v * v;
    }
  return s > 0 ? sqrt(d / s) : sqrt(d);
}

static double colsumsq(int layout, int lo, int hi, int r, const double *b,
                       int ldb) {
  double s = 0;
  for (int i = lo; i < hi; i++) s += b[at(layout, i, r, ldb)] * b[at(layout, i, r, ldb)];
  return s;
}

/* Padding of b (outside rows x nrhs) must still be NaN. */
static int padding_intact(int layout, int rows, int nrhs, const double *b,
                          int ldb, size_t len) {
  for (size_t p = 0; p < len; p++) {
    int i = layout == 101 ? (int)(p / ldb) : (int)(p % ldb);
    int j = layout == 101 ? (int)(p % ldb) : (int)(p / ldb);
    if ((i >= rows || j >= nrhs) && !isnan(b[p])) return 0;
  }
  return 1;
}

static void compare_case(int layout, char trans, int m, int n, int nrhs,
                         int pad) {
  int tall = m > n ? m : n;
  int lda = layout == 101 ? n + pad : (m > 1 ? m : 1) + pad;
  int ldb = layout == 101 ? (nrhs > 0 ? nrhs : 1) + pad : (tall > 1 ? tall : 1) + pad;
  size_t la = extent(layout, m, n, lda), lb = extent(layout, tall, nrhs, ldb);
  double *a1 = poisoned(la), *a2 = poisoned(la);
  double *b1 = poisoned(lb), *b2 = poisoned(lb);
  fill_a(layout, m, n, a1, lda);
  memcpy(a2, a1, la * sizeof *a1);
  int rows_in = (trans == 'N' || trans == 'n') ? m : n;
  for (int i = 0; i < tall; i++)
    for (int r = 0; r < nrhs; r++)
      b1[at(layout, i, r, ldb)] = i < rows_in ? rng_uniform() : 0.0;
  memcpy(b2, b1, lb * sizeof *b1);

  int got = cold_train(-1, layout, trans, m, n, nrhs, a1, lda, b1, ldb);
  int want = LAPACKE_dgels(layout, trans, m, n, nrhs, a2, lda, b2, ldb);
  CHECK(got == want, "layout=%d trans=%c m=%d n=%d nrhs=%d: code %d, LAPACKE %d",
        layout, trans, m, n, nrhs, got, want);
  int rows_out = (trans == 'N' || trans == 'n') ? n : m;
  double d = reldiff(layout, rows_out, nrhs, b1, b2, ldb);
  CHECK(d <= 1e-10, "layout=%d trans=%c m=%d n=%d nrhs=%d pad=%d: rel diff %g",
        layout, trans, m, n, nrhs, pad, d);
  if ((trans == 'N' || trans == 'n') && m > n) {
    for (int r = 0; r < nrhs; r++) {
      double s1 = colsumsq(layout, n, m, r, b1, ldb);
      double s2 = colsumsq(layout, n, m, r, b2, ldb);
      CHECK(fabs(s1 - s2) <= 1e-10 * (s2 + 1e-300) + 1e-300,
            "residual sum of squares %g vs LAPACKE %g", s1, s2);
    }
  }
  CHECK(padding_intact(layout, tall, nrhs, b1, ldb, lb),
        "padding of b written (layout=%d trans=%c m=%d n=%d)", layout, trans, m, n);
  free(a1), free(a2), free(b1), free(b2);
}

/* One illegal call, made on both libraries with identical buffers. */
struct bad {
  const char *what;
  int layout;
  char trans;
  int m, n, nrhs, lda, ldb;
  int nan_a, nan_b;
};

static void compare_bad(const struct bad *c) {
  double a[256], b[256], a2[256], b2[256];
  for (int i = 0; i < 256; i++) a[i] = rng_uniform(), b[i] = rng_uniform();
  if (c->nan_a) a[0] = NAN;
  if (c->nan_b) b[0] = NAN;
  memcpy(a2, a, sizeof a), memcpy(b2, b, sizeof b);
  int64_t before = sia_memo_count();
  int got = cold_train(77, c->layout, c->trans, c->m, c->n, c->nrhs, a, c->lda, b, c->ldb);
  int want = LAPACKE_dgels(c->layout, c->trans, c->m, c->n, c->nrhs, a2, c->lda, b2, c->ldb);
  CHECK(got == want, "%s: cold_train %d, LAPACKE_dgels %d", c->what, got, want);
  CHECK(got != 0, "%s: must fail", c->what);
  CHECK(sia_memo_count() == before, "%s: memo changed", c->what);
}

static void test_incremental(int layout, int n, int nrhs) {
  /* Rows 0..m0-1 cold, then rounds of k rows incremental; compare with a
   * LAPACKE_dgels refit on all rows after every round. */
  const int m0 = 2 * n + 5, rounds = 8, total = m0 + rounds * (n + 3);
  double *A = malloc((size_t)total * n * sizeof *A);
  double *B = malloc((size_t)total * nrhs * sizeof *B);
  for (int i = 0; i < total; i++) {
    for (int j = 0; j < n; j++) A[i * n + j] = rng_uniform() + (i % n == j ? 4.0 : 0.0);
    for (int r = 0; r < nrhs; r++) B[i * nrhs + r] = rng_uniform();
  }
  const int64_t id = 1000 + n;
  /* cold_train overwrites a: hand it a copy in the requested layout. */
  int lda = layout == 101 ? n : total, ldb = layout == 101 ? nrhs : total;
  double *a = malloc((size_t)total * n * sizeof *a);
  double *b = malloc((size_t)total * nrhs * sizeof *b);
  double *ref = malloc((size_t)total * nrhs * sizeof *ref);
  for (int i = 0; i < m0; i++) {
    for (int j = 0; j < n; j++) a[at(layout, i, j, lda)] = A[i * n + j];
    for (int r = 0; r < nrhs; r++) b[at(layout, i, r, ldb)] = B[i * nrhs + r];
  }
  CHECK(cold_train(id, layout, 'N', m0, n, nrhs, a, lda, b, ldb) == 0, "cold");
  int done = m0;
  for (int round = 0; round < rounds; round++) {
    int k = round % 2 ? 1 : n + 5; /* single rows and batches */
    int kl = layout == 101 ? n : k, kb = layout == 101 ? nrhs : (k > n ? k : n);
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < n; j++) a[at(layout, i, j, kl)] = A[(done + i) * n + j];
      for (int r = 0; r < nrhs; r++) b[at(layout, i, r, kb)] = B[(done + i) * nrhs + r];
    }
    int rc = incre_train(id, layout, 'N', k, n, nrhs, a, kl, b, kb);
    CHECK(rc == 0, "incre_train round %d: %d (%s)", round, rc, sia_strerror(rc));
    done += k;
    /* Reference: LAPACKE on all rows so far (row-major copies). */
    double *ac = malloc((size_t)done * n * sizeof *ac);
    memcpy(ac, A, (size_t)done * n * sizeof *ac);
    memcpy(ref, B, (size_t)done * nrhs * sizeof *ref);
    CHECK(LAPACKE_dgels(101, 'N', done, n, nrhs, ac, n, ref, nrhs) == 0, "LAPACKE");
    double d = 0, s = 0;
    for (int i = 0; i < n; i++)
      for (int r = 0; r < nrhs; r++) {
        double u = b[at(layout, i, r, kb)], v = ref[i * nrhs + r];
        d += (u - v) * (u - v), s += v * v;
      }
    CHECK(sqrt(d / s) <= 1e-10, "n=%d round %d: incremental vs LAPACKE refit %g", n, round, sqrt(d / s));
    free(ac);
  }
  CHECK(sia_memo_drop(id) == 0, "drop");
  CHECK(sia_memo_drop(id) == SIA_ENOMEMO, "second drop");
  CHECK(incre_train(id, layout, 'N', 1, n, nrhs, a, n, b, layout == 101 ? nrhs : n) == SIA_ENOMEMO,
        "incre after drop");
  free(A), free(B), free(a), free(b), free(ref);
}

int main(void) {
  const int layouts[2] = {LAPACK_ROW_MAJOR, LAPACK_COL_MAJOR};
  CHECK(SIA_ROW_MAJOR == LAPACK_ROW_MAJOR && SIA_COL_MAJOR == LAPACK_COL_MAJOR, "layout values");
  for (int l = 0; l < 2; l++) {
    const char transes[4] = {'N', 'T', 'n', 't'};
    for (int t = 0; t < 4; t++) {
      const int shapes[][2] = {{1, 1}, {5, 3}, {3, 5}, {40, 17}, {17, 40}, {300, 33}, {33, 97}, {1000, 97}};
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int nrhs = 1; nrhs <= 3; nrhs += 2)
          compare_case(layouts[l], transes[t], shapes[s][0], shapes[s][1], nrhs, (int)(s % 3));
    }
    /* Quick returns: m, n or nrhs zero. */
    compare_case(layouts[l], 'N', 0, 3, 2, 1);
    compare_case(layouts[l], 'N', 4, 0, 2, 0);
    compare_case(layouts[l], 'T', 4, 3, 0, 0);
  }

  /* Beyond the memo's 4 096-column limit: with a negative model ID
   * cold_train is a pure dgels and accepts every call LAPACKE_dgels
   * accepts -- 5 000 right-hand sides, and n = 4 097 columns (about 30 s
   * for both libraries on one core; left out of the ASan build, whose
   * portable kernels would take many minutes). A memoized call over the
   * limit is refused with SIA_ETOOBIG before anything is read. */
  for (int l = 0; l < 2; l++) compare_case(layouts[l], 'N', 10, 3, 5000, l);
  compare_case(LAPACK_COL_MAJOR, 'T', 3, 10, 5000, 0);
#ifndef __SANITIZE_ADDRESS__
  compare_case(LAPACK_COL_MAJOR, 'N', 4097, 4097, 1, 0);
#endif
  {
    int64_t before = sia_memo_count();
    CHECK(cold_train(3, SIA_COL_MAJOR, 'N', 10, 3, 5000, NULL, 10, NULL, 10) == SIA_ETOOBIG, "memoized nrhs > 4096");
    CHECK(cold_train(3, SIA_COL_MAJOR, 'N', 4097, 4097, 1, NULL, 4097, NULL, 4097) == SIA_ETOOBIG, "memoized n > 4096");
    CHECK(sia_memo_count() == before, "a refused call stored a memo");
  }

  const struct bad bads[] = {
      {"bad layout", 103, 'N', 4, 2, 1, 4, 4, 0, 0},
      {"bad trans col", 102, 'X', 4, 2, 1, 4, 4, 0, 0},
      {"bad trans row", 101, 'C', 4, 2, 1, 2, 1, 0, 0},
      {"negative m col", 102, 'N', -1, 2, 1, 4, 4, 0, 0},
      {"negative m row", 101, 'N', -1, 2, 1, 2, 1, 0, 0},
      {"negative n col", 102, 'N', 4, -2, 1, 4, 4, 0, 0},
      {"negative nrhs col", 102, 'N', 4, 2, -1, 4, 4, 0, 0},
      {"lda too small col", 102, 'N', 4, 2, 1, 3, 4, 0, 0},
      {"lda too small row", 101, 'N', 4, 3, 1, 2, 1, 0, 0},
      {"ldb too small col", 102, 'N', 2, 4, 1, 2, 3, 0, 0},
      {"ldb too small row", 101, 'N', 4, 2, 3, 2, 2, 0, 0},
      {"row lda before trans", 101, 'X', 4, 3, 1, 2, 1, 0, 0},
      {"NaN in a", 102, 'N', 4, 2, 1, 4, 4, 1, 0},
      {"NaN in b", 101, 'T', 4, 2, 1, 2, 1, 0, 1},
      {"NaN before bad trans", 102, 'X', 4, 2, 1, 4, 4, 1, 0},
  };
  for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) compare_bad(&bads[i]);

  /* +-Inf: LAPACKE does not check; libsia rejects it like NaN (documented). */
  {
    double a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[4] = {1, 2, 3, 4};
    a[3] = -INFINITY;
    CHECK(cold_train(-1, SIA_COL_MAJOR, 'N', 4, 2, 1, a, 4, b, 4) == -6, "Inf in a");
    a[3] = 4, b[2] = INFINITY;
    CHECK(cold_train(-1, SIA_COL_MAJOR, 'N', 4, 2, 1, a, 4, b, 4) == -8, "Inf in b");
    b[2] = 3;
    CHECK(cold_train(-1, SIA_COL_MAJOR, 'N', 4, 2, 1, NULL, 4, b, 4) == -6, "NULL a");
    CHECK(cold_train(-1, SIA_COL_MAJOR, 'N', 4, 2, 1, a, 4, NULL, 4) == -8, "NULL b");
  }

  /* Exactly rank deficient: a zero column gives R(3,3) == 0 -> info 3. */
  for (int l = 0; l < 2; l++) {
    for (int t = 0; t < 2; t++) {
      int layout = layouts[l], m = 30, n = 6;
      char trans = t ? 'T' : 'N';
      int lda = layout == 101 ? n : m, ldb = layout == 101 ? 1 : m;
      double a[180], a2[180], b[30], b2[30];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) a[at(layout, i, j, lda)] = j == 2 ? 0.0 : rng_uniform();
        b[i] = rng_uniform();
      }
      memcpy(a2, a, sizeof a), memcpy(b2, b, sizeof b);
      int64_t before = sia_memo_count();
      int got = cold_train(5, layout, trans, m, n, 1, a, lda, b, ldb);
      int want = LAPACKE_dgels(layout, trans, m, n, 1, a2, lda, b2, ldb);
      CHECK(got == want && got == 3, "zero column layout=%d trans=%c: %d vs LAPACKE %d", layout, trans, got, want);
      CHECK(sia_memo_count() == before, "rank-deficient call stored a memo");
    }
  }

  for (int l = 0; l < 2; l++) {
    test_incremental(layouts[l], 17, 1);
    test_incremental(layouts[l], 33, 3);
  }

  /* Memo store and miscellany. */
  {
    double a[12] = {1, 0, 0, 1, 1, 1}, b[6] = {1, 2, 3};
    sia_memo_clear();
    CHECK(sia_memo_count() == 0, "clear");
    CHECK(cold_train(1, SIA_ROW_MAJOR, 'N', 3, 2, 1, a, 2, b, 1) == 0, "cold");
    CHECK(sia_memo_count() == 1, "count after cold");
    CHECK(cold_train(-5, SIA_ROW_MAJOR, 'N', 3, 2, 1, a, 2, b, 1) == 0, "cold, no memo");
    CHECK(sia_memo_count() == 1, "negative id must not memoize");
    sia_memo_clear();
    CHECK(sia_memo_count() == 0, "clear");
    CHECK(strstr(sia_strerror(SIA_ENOMEMO), "memo") != NULL, "strerror");
    CHECK(strstr(sia_strerror(-7), "lda") != NULL, "strerror -7");
    /* Each call's arguments by its own numbering: -7 is incre_train_shifted's
     * m, -10 its b (sia.h). */
    CHECK(strstr(sia_strerror(-7), "m of incre_train_shifted") != NULL, "strerror -7: %s", sia_strerror(-7));
    CHECK(strstr(sia_strerror(-10), "b or NaN/Inf in it of incre_train_shifted") != NULL, "strerror -10: %s",
          sia_strerror(-10));
    CHECK(strstr(sia_strerror(-5), "a_new or NaN/Inf in it of incre_train_shifted") != NULL, "strerror -5: %s",
          sia_strerror(-5));
    CHECK(sia_strerror(SIA_ENOMEMO) == sia_strerror(SIA_ENOMEMO), "static strings");
    CHECK(sia_version_number() == SIA_VERSION_NUMBER, "version %d vs %d", sia_version_number(), SIA_VERSION_NUMBER);
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", SIA_VERSION_MAJOR, SIA_VERSION_MINOR, SIA_VERSION_PATCH);
    CHECK(strcmp(sia_version(), v) == 0, "version string %s", sia_version());
  }
  return check_done("test_gels");
}
