/* test_semantics.c -- incre_train_shifted, decre_train, sia_memo_merge, the
 * rank-revealing mode and the bounded memo, through libsia.so, against
 * Debian's LAPACKE_dgels and LAPACKE_dgelss on the same rows. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <float.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sia.h"

enum { N = 9, M0 = 120, K = 15 };

static double A[400 * N], B[400];

static void fill_rows(int lo, int hi) {
  for (int i = lo; i < hi; i++) {
    for (int j = 0; j < N - 1; j++) A[i * N + j] = rng_uniform() + (i % N == j ? 3.0 : 0.0);
    A[i * N + N - 1] = 1.0; /* bias column */
    B[i] = rng_uniform();
  }
}

/* dgels on a copy of rows [lo, hi) minus the rows flagged in skip. */
static void reference(int lo, int hi, const char *skip, const double *targets, double x[N]) {
  static double a[400 * N], b[400];
  int m = 0;
  for (int i = lo; i < hi; i++) {
    if (skip && skip[i]) continue;
    memcpy(&a[m * N], &A[i * N], N * sizeof(double));
    b[m++] = targets[i];
  }
  CHECK(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', m, N, 1, a, N, b, 1) == 0, "reference dgels");
  memcpy(x, b, N * sizeof(double));
}

static double reldiff(const double *x, const double *y, int n) {
  double d = 0, s = 0;
  for (int i = 0; i < n; i++) d += (x[i] - y[i]) * (x[i] - y[i]), s += y[i] * y[i];
  return sqrt(d / s);
}

/* cold_train model id on rows [lo, hi) with targets t. */
static int cold(int64_t id, int lo, int hi, const double *t) {
  static double a[400 * N], b[400];
  memcpy(a, &A[lo * N], (size_t)(hi - lo) * N * sizeof(double));
  memcpy(b, &t[lo], (size_t)(hi - lo) * sizeof(double));
  return cold_train(id, SIA_ROW_MAJOR, 'N', hi - lo, N, 1, a, N, b, 1);
}

static void test_shifted(void) {
  fill_rows(0, M0 + K);
  double now[400], x[N], ref[N];
  CHECK(cold(1, 0, M0, B) == 0, "cold");
  /* Every old target moves: positions shift by the inserts before them. */
  for (int i = 0; i < M0 + K; i++) now[i] = B[i] + 0.01 * (i % 7);
  double b[400];
  memcpy(b, now, sizeof b);
  int rc = incre_train_shifted(1, SIA_ROW_MAJOR, K, N, 1, &A[M0 * N], N, M0 + K, A, N, b, 1);
  CHECK(rc == 0, "incre_train_shifted: %d (%s)", rc, sia_strerror(rc));
  CHECK(sia_last_rank() == N, "rank %d", sia_last_rank());
  reference(0, M0 + K, NULL, now, ref);
  memcpy(x, b, sizeof x);
  CHECK(reldiff(x, ref, N) <= 1e-10, "shifted vs LAPACKE_dgels on all rows: %g", reldiff(x, ref, N));

  /* The rebuilt Q^T b keeps a later incre_train right. */
  fill_rows(M0 + K, M0 + K + 5);
  memcpy(&now[M0 + K], &B[M0 + K], 5 * sizeof(double));
  double a2[5 * N], b2[N];
  memcpy(a2, &A[(M0 + K) * N], sizeof a2);
  memcpy(b2, &B[M0 + K], 5 * sizeof(double));
  CHECK(incre_train(1, SIA_ROW_MAJOR, 'N', 5, N, 1, a2, N, b2, 1) == 0, "incre after shifted");
  reference(0, M0 + K + 5, NULL, now, ref);
  CHECK(reldiff(b2, ref, N) <= 1e-10, "incre after shifted vs LAPACKE: %g", reldiff(b2, ref, N));

  /* Illegal calls, memo untouched: m must be rows + k. */
  CHECK(incre_train_shifted(1, SIA_ROW_MAJOR, K, N, 1, A, N, M0, A, N, b, 1) == -7, "m != rows+k");
  CHECK(incre_train_shifted(1, SIA_ROW_MAJOR, 0, N, 1, A, N, M0, A, N, b, 1) == -2, "k");
  CHECK(incre_train_shifted(1, 7, K, N, 1, A, N, M0, A, N, b, 1) == -1, "layout");
  CHECK(incre_train_shifted(99, SIA_ROW_MAJOR, K, N, 1, A, N, M0, A, N, b, 1) == SIA_ENOMEMO, "no memo");
  sia_memo_drop(1);
}

static void test_decre(void) {
  fill_rows(0, M0);
  char skip[400] = {0};
  CHECK(cold(2, 0, M0, B) == 0, "cold");
  /* Remove rows 10..19 in one call and row 50 alone, column-major. */
  double a[10 * N], b[10 > N ? 10 : N];
  for (int i = 0; i < 10; i++) {
    for (int j = 0; j < N; j++) a[i + j * 10] = A[(10 + i) * N + j];
    b[i] = B[10 + i];
    skip[10 + i] = 1;
  }
  CHECK(decre_train(2, SIA_COL_MAJOR, 'N', 10, N, 1, a, 10, b, 10) == 0, "decre block");
  double one[N], b1[N];
  memcpy(one, &A[50 * N], sizeof one);
  b1[0] = B[50];
  skip[50] = 1;
  CHECK(decre_train(2, SIA_ROW_MAJOR, 'N', 1, N, 1, one, N, b1, 1) == 0, "decre row");
  double ref[N];
  reference(0, M0, skip, B, ref);
  CHECK(reldiff(b1, ref, N) <= 1e-10, "decre vs LAPACKE_dgels on remaining rows: %g", reldiff(b1, ref, N));

  /* A row that was never added: refused, memo untouched (the next
   * incre_train still matches the reference). */
  double bogus[N] = {1, 2, 3, 4, 5, 6, 7, 8, 1}, bb[N] = {1e6};
  CHECK(decre_train(2, SIA_ROW_MAJOR, 'N', 1, N, 1, bogus, N, bb, 1) == SIA_ECOLD, "bogus row -> SIA_ECOLD");
  fill_rows(M0, M0 + 1);
  double an[N], bn[N];
  memcpy(an, &A[M0 * N], sizeof an);
  bn[0] = B[M0];
  CHECK(incre_train(2, SIA_ROW_MAJOR, 'N', 1, N, 1, an, N, bn, 1) == 0, "incre after refusal");
  reference(0, M0 + 1, skip, B, ref);
  CHECK(reldiff(bn, ref, N) <= 1e-10, "memo untouched by refused decre: %g", reldiff(bn, ref, N));
  sia_memo_drop(2);
}

static void test_merge(void) {
  fill_rows(0, 2 * M0 + 1);
  CHECK(cold(3, 0, M0, B) == 0, "cold a");
  CHECK(cold(4, M0, 2 * M0, B) == 0, "cold b");
  CHECK(sia_memo_merge(5, 3, 4) == 0, "merge");
  CHECK(sia_memo_merge(5, 3, 77) == SIA_ENOMEMO, "merge with missing model");
  CHECK(sia_memo_merge(-1, 3, 4) == -1, "negative dst");
  /* Probe the merged memo with one more row. */
  double an[N], bn[N], ref[N];
  memcpy(an, &A[2 * M0 * N], sizeof an);
  bn[0] = B[2 * M0];
  CHECK(incre_train(5, SIA_ROW_MAJOR, 'N', 1, N, 1, an, N, bn, 1) == 0, "incre merged");
  reference(0, 2 * M0 + 1, NULL, B, ref);
  CHECK(reldiff(bn, ref, N) <= 1e-10, "merged vs LAPACKE on the union: %g", reldiff(bn, ref, N));
  CHECK(sia_memo_merge(3, 3, 4) == 0, "merge into a");
  sia_memo_clear();
}

/* Keys with a zero byte column, a constant byte column and a duplicated
 * byte column: rank N-3 with the bias. */
static void fill_deficient(int lo, int hi) {
  for (int i = lo; i < hi; i++) {
    for (int j = 0; j < N - 1; j++) A[i * N + j] = (double)((unsigned)(rng_uniform() * 1e6) % 256);
    A[i * N + 0] = 0;
    A[i * N + 1] = 104;
    A[i * N + 3] = A[i * N + 2];
    A[i * N + N - 1] = 1;
    B[i] = i;
  }
}

static void test_rcond(void) {
  const double rcond = 1e-10;
  fill_deficient(0, 200);
  sia_set_rcond(rcond);
  for (int m = 40; m <= 200; m += 40) {
    int rc;
    double x[N];
    if (m == 40) {
      double a[40 * N], b[40];
      memcpy(a, A, sizeof a), memcpy(b, B, sizeof b);
      rc = cold_train(6, SIA_ROW_MAJOR, 'N', 40, N, 1, a, N, b, 1);
      memcpy(x, b, sizeof x);
    } else {
      double a[40 * N], b[40];
      memcpy(a, &A[(m - 40) * N], sizeof a), memcpy(b, &B[m - 40], sizeof b);
      rc = incre_train(6, SIA_ROW_MAJOR, 'N', 40, N, 1, a, N, b, 1);
      memcpy(x, b, sizeof x);
    }
    CHECK(rc == 0, "rank-deficient training with rcond: %d", rc);
    int rank_sia = sia_last_rank();
    double a[200 * N], b[200], s[N];
    lapack_int rank;
    memcpy(a, A, (size_t)m * N * sizeof(double)), memcpy(b, B, (size_t)m * sizeof(double));
    CHECK(LAPACKE_dgelss(LAPACK_ROW_MAJOR, m, N, 1, a, N, b, 1, s, rcond, &rank) == 0, "dgelss");
    CHECK(rank_sia == (int)rank && rank == N - 3, "rank %d, dgelss %d", rank_sia, (int)rank);
    CHECK(reldiff(x, b, N) <= 1e-9, "m=%d: vs LAPACKE_dgelss %g", m, reldiff(x, b, N));
  }
  sia_set_rcond(-1);
  double a[40 * N], b[40];
  memcpy(a, A, sizeof a), memcpy(b, B, sizeof b);
  CHECK(cold_train(7, SIA_ROW_MAJOR, 'N', 40, N, 1, a, N, b, 1) == 1, "dgels mode: R(1,1) == 0");
  CHECK(sia_last_rank() == -1, "rank after failure");
  sia_memo_clear();
}

static void test_limit(void) {
  struct sia_memo_stats st0, st;
  CHECK(sia_memo_stats(NULL) == -1, "stats NULL");
  /* What one model costs as the store accounts it: at least its payload
   * and at most that in the allocator's next size class plus 512 bytes. */
  fill_rows(0, M0 + 1);
  CHECK(sia_memo_stats(&st0) == 0, "stats");
  CHECK(cold(99, 0, M0, B) == 0, "cold 99");
  CHECK(sia_memo_stats(&st) == 0 && sia_memo_drop(99) == 0, "stats, drop");
  const int64_t per = st.bytes - st0.bytes, payload = 8 * (N * (N + 1) / 2 + N + 1);
  CHECK(per >= payload + 192 && per <= payload + payload / 8 + 512, "one model accounted %lld bytes (payload %lld)",
        (long long)per, (long long)payload);
  CHECK(sia_memo_stats(&st0) == 0, "stats");
  sia_memo_set_limit(5 * per);
  fill_rows(0, M0 + 1);
  for (int64_t id = 100; id < 120; id++) CHECK(cold(id, 0, M0, B) == 0, "cold %d", (int)id);
  CHECK(sia_memo_stats(&st) == 0, "stats");
  CHECK(st.models == 5 && st.bytes == 5 * per && st.limit == 5 * per, "models %lld bytes %lld",
        (long long)st.models, (long long)st.bytes);
  CHECK(st.evictions - st0.evictions == 15, "evictions %lld", (long long)(st.evictions - st0.evictions));
  double an[N], bn[N];
  memcpy(an, &A[M0 * N], sizeof an);
  bn[0] = B[M0];
  CHECK(incre_train(100, SIA_ROW_MAJOR, 'N', 1, N, 1, an, N, bn, 1) == SIA_ENOMEMO, "evicted model");
  CHECK(incre_train(119, SIA_ROW_MAJOR, 'N', 1, N, 1, an, N, bn, 1) == 0, "recent model");
  CHECK(sia_memo_stats(&st) == 0 && st.misses - st0.misses == 1 && st.hits - st0.hits == 1, "hits/misses");
  sia_memo_set_limit(0);
  sia_memo_clear();
}

/* The refinement policy and the route: sia_set_refine_steps clamps to 1..32
 * and returns the value in effect. An ill-conditioned shifted retrain (two
 * columns equal up to 1e-11, cond ~1e11) of a narrow model takes the
 * refactoring route (the corrections it would need cost more than a refit)
 * and answers as LAPACKE_dgels on all rows; a wide model with few new rows
 * (n = 129, k = 5 of 605: the corrected route) and cond ~1e5 (two columns
 * equal up to 1e-4) under one correction step refuses with SIA_ECOLD,
 * writes nothing, and leaves the memo unchanged: a later incre_train
 * matches dgels on the rows absorbed before the refusal plus the new one.
 * (One step makes the refusal certain: the semi-normal equations' first
 * answer is off by about cond^2 * eps = 1e-6 relative, far above the
 * 4*n*eps*||x|| a last correction may be, and the condition estimate's
 * bound on what a correction leaves, 16*n*eps*cond^2 * ||dx||, is above it
 * too. A wide model as ill-conditioned as the narrow one refits instead:
 * from 16*n*eps*cond^2 = 1e6 on the corrections are not expected to
 * contract, device/cpu/route.go.) */
enum { WN = 129, WM0 = 600, WK = 5 };
static double WA[(WM0 + WK + 1) * WN], WB[WM0 + WK + 1];

static void test_refine_policy(void) {
  CHECK(sia_set_refine_steps(0) == 1, "clamp low");
  CHECK(sia_set_refine_steps(1000) == 32, "clamp high");
  CHECK(sia_set_refine_steps(8) == 8, "default");
  fill_rows(0, M0 + K + 1);
  for (int i = 0; i < M0 + K + 1; i++) A[i * N + 1] = A[i * N] + 1e-11 * rng_uniform();
  CHECK(cold(7, 0, M0, B) == 0, "cold");
  double now[400], b[400], x[N];
  for (int i = 0; i < M0 + K; i++) now[i] = B[i] + 0.5 * (i % 5);
  memcpy(b, now, sizeof b);
  int rc = incre_train_shifted(7, SIA_ROW_MAJOR, K, N, 1, &A[M0 * N], N, M0 + K, A, N, b, 1);
  CHECK(rc == 0, "ill-conditioned narrow shifted retrain: %d, want the refactoring route's 0", rc);
  reference(0, M0 + K, NULL, now, x);
  /* cond ~1e11: QR's own error scale. */
  CHECK(reldiff(b, x, N) <= 1e-3, "narrow ill-conditioned shifted vs dgels: %.2e", reldiff(b, x, N));
  sia_memo_clear();

  /* Wide: the corrected route, which refuses under one step. */
  for (int i = 0; i < WM0 + WK + 1; i++) {
    for (int j = 0; j < WN - 1; j++) WA[i * WN + j] = rng_uniform() + (i % WN == j ? 3.0 : 0.0);
    WA[i * WN + 1] = WA[i * WN] + 1e-4 * rng_uniform();
    WA[i * WN + WN - 1] = 1.0;
    WB[i] = rng_uniform();
  }
  static double a[(WM0 + WK + 1) * WN], wb[WM0 + WK + 1], wnow[WM0 + WK];
  memcpy(a, WA, sizeof(double) * WM0 * WN);
  memcpy(wb, WB, sizeof(double) * WM0);
  CHECK(cold_train(8, SIA_ROW_MAJOR, 'N', WM0, WN, 1, a, WN, wb, 1) == 0, "cold wide");
  for (int i = 0; i < WM0 + WK; i++) wnow[i] = WB[i] + 0.5 * (i % 5);
  memcpy(wb, wnow, sizeof wnow);
  CHECK(sia_set_refine_steps(1) == 1, "one step");
  rc = incre_train_shifted(8, SIA_ROW_MAJOR, WK, WN, 1, &WA[WM0 * WN], WN, WM0 + WK, WA, WN, wb, 1);
  CHECK(sia_set_refine_steps(8) == 8, "default again");
  CHECK(rc == SIA_ECOLD, "wide shifted retrain under one step: %d, want SIA_ECOLD", rc);
  CHECK(memcmp(wb, wnow, sizeof wnow) == 0, "refusal wrote b");
  /* Memo untouched: absorbing one more row equals dgels on WM0 + 1 rows. */
  static double bn[WN], ref[(WM0 + 1) * WN], rb[WM0 + 1];
  bn[0] = WB[WM0 + WK];
  CHECK(incre_train(8, SIA_ROW_MAJOR, 'N', 1, WN, 1, &WA[(WM0 + WK) * WN], WN, bn, 1) == 0, "incre after refusal");
  memcpy(ref, WA, sizeof(double) * WM0 * WN);
  memcpy(&ref[WM0 * WN], &WA[(WM0 + WK) * WN], sizeof(double) * WN);
  memcpy(rb, WB, sizeof(double) * WM0);
  rb[WM0] = WB[WM0 + WK];
  CHECK(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', WM0 + 1, WN, 1, ref, WN, rb, 1) == 0, "reference wide");
  CHECK(reldiff(bn, rb, WN) <= 1e-3, "memo changed by the refusal: %.2e", reldiff(bn, rb, WN));
  sia_memo_clear();

  /* Wide and as ill-conditioned as the narrow one (cond ~1e11), default
   * steps: the call refits rather than refuse, and answers as dgels. */
  for (int i = 0; i < WM0 + WK; i++) WA[i * WN + 1] = WA[i * WN] + 1e-11 * rng_uniform();
  memcpy(a, WA, sizeof(double) * WM0 * WN);
  memcpy(wb, WB, sizeof(double) * WM0);
  CHECK(cold_train(9, SIA_ROW_MAJOR, 'N', WM0, WN, 1, a, WN, wb, 1) == 0, "cold wide, cond 1e11");
  memcpy(wb, wnow, sizeof wnow);
  rc = incre_train_shifted(9, SIA_ROW_MAJOR, WK, WN, 1, &WA[WM0 * WN], WN, WM0 + WK, WA, WN, wb, 1);
  CHECK(rc == 0, "ill-conditioned wide shifted retrain: %d, want the refit's 0", rc);
  static double ref2[(WM0 + WK) * WN], rb2[WM0 + WK];
  memcpy(ref2, WA, sizeof ref2);
  memcpy(rb2, wnow, sizeof rb2);
  CHECK(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', WM0 + WK, WN, 1, ref2, WN, rb2, 1) == 0, "reference wide, cond 1e11");
  /* cond ~1e11: QR's own error scale. */
  CHECK(reldiff(wb, rb2, WN) <= 1e-3, "ill-conditioned wide shifted vs dgels: %.2e", reldiff(wb, rb2, WN));
  sia_memo_clear();
}

/* A durable memo file with one record damaged: sia_memo_open drops that
 * record, counts it in sia_memo_stats.corrupt, loads the other, and the
 * damaged model answers SIA_ENOMEMO (sia.h, "Durable memo"). The record is
 * found by its AMax field, the largest |a_ij| absorbed, stored as a raw
 * little-endian double (memo/record.go): 1234.5625 for model 11, 987.25
 * for model 12, both exact and seen nowhere else in the file. */
static void test_corrupt(void) {
  char dir[] = "/tmp/sia-corrupt-XXXXXX", path[64];
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(path, sizeof path, "%s/memo.sia", dir);
  sia_memo_clear();
  sia_memo_set_limit(0);
  const double big[2] = {1234.5625, 987.25};
  for (int q = 0; q < 2; q++) {
    static double a[M0 * N], b[M0];
    fill_rows(0, M0);
    memcpy(a, A, sizeof a), memcpy(b, B, sizeof b);
    a[3 * N + 1] = big[q];
    CHECK(cold_train(11 + q, SIA_ROW_MAJOR, 'N', M0, N, 1, a, N, b, 1) == 0, "cold_train %d", 11 + q);
  }
  CHECK(sia_memo_close() == SIA_ENOTOPEN, "close without open");
  CHECK(sia_memo_open(path) == 0, "open a new memo file");
  CHECK(sia_memo_open(path) == SIA_EIO, "open while a durable memo is open");
  CHECK(sia_memo_checkpoint() == 2, "checkpoint of the two models kept in memory: %d", sia_memo_checkpoint());
  CHECK(sia_memo_close() == 0, "close (checkpoint)");
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL, "read %s", path);
  if (!f) return;
  static unsigned char raw[1 << 20];
  size_t len = fread(raw, 1, sizeof raw, f);
  fclose(f);
  unsigned char pat[8];
  memcpy(pat, &big[0], 8);
  long at = -1;
  int found = 0;
  for (size_t i = 0; i + 8 <= len; i++)
    if (memcmp(raw + i, pat, 8) == 0) at = (long)i, found++;
  CHECK(found == 1, "model 11's AMax found %d times in the file", found);
  if (found != 1) return;
  raw[at] ^= 0x01; /* its lowest mantissa bit */
  f = fopen(path, "wb");
  CHECK(f != NULL && fwrite(raw, 1, len, f) == len, "write %s", path);
  if (f) fclose(f);
  sia_memo_clear();
  struct sia_memo_stats st0, st1;
  CHECK(sia_memo_stats(&st0) == 0, "stats");
  CHECK(sia_memo_open(path) == 1, "reopen: one model loaded");
  CHECK(sia_memo_stats(&st1) == 0 && st1.corrupt == st0.corrupt + 1, "corrupt %lld, was %lld",
        (long long)st1.corrupt, (long long)st0.corrupt);
  CHECK(st1.models == 1, "models %lld", (long long)st1.models);
  double x[K];
  fill_rows(M0, M0 + K);
  memcpy(x, &B[M0], K * sizeof(double));
  CHECK(incre_train(11, SIA_ROW_MAJOR, 'N', K, N, 1, &A[M0 * N], N, x, 1) == SIA_ENOMEMO,
        "the damaged record was trusted");
  memcpy(x, &B[M0], K * sizeof(double));
  CHECK(incre_train(12, SIA_ROW_MAJOR, 'N', K, N, 1, &A[M0 * N], N, x, 1) == 0, "the intact record");
  CHECK(sia_memo_close() == 0, "close");
  sia_memo_clear();
  remove(path);
  remove(dir);
}

int main(void) {
  test_corrupt();
  test_refine_policy();
  test_shifted();
  test_decre();
  test_merge();
  test_rcond();
  test_limit();
  return check_done("test_semantics");
}
