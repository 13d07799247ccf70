/* test_hostile.c -- a sample of hostile calls through libsia.so's C ABI,
 * meant to run under AddressSanitizer (make asan): every buffer is
 * allocated to exactly the extent its arguments imply (as LAPACKE reads
 * it). make asan links this harness to build/asan/libsia.so, built with
 * Go's -asan and -tags purego, so a read or write of libsia's Go code
 * beyond a buffer (this harness's, or libsia's own heap objects, which get
 * red zones) is reported; the assembly kernels of the normal build are not
 * instrumented and not covered here (device/cpu tests them against plain
 * loops), and linked to the normal build this harness checks only its own
 * C code. Calls: NULL pointers, NaN/Inf,
 * illegal enums, negative, zero and huge dimensions, too-small leading
 * dimensions, shapes that mismatch the memo. No call may crash, hang or
 * report SIA_EINTERNAL, and failed calls must not change the memo count. */
#include <limits.h>
#include <string.h>

#include "check.h"
#include "sia.h"

static int pick_dim(void) {
  double u = rng_uniform();
  if (u < -0.9) return -1 - (int)((u + 1) * 50);
  if (u < -0.85) return 0;
  if (u > 0.97) return 1 << 30;
  if (u > 0.95) return INT_MAX;
  return 1 + (int)((u + 1) * 6);
}

/* Extent (elements) an r x c matrix with leading dimension ld spans, as
 * LAPACKE's NaN check reads it (column or row length clamped to ld). */
static long long ext(int layout, long long r, long long c, long long ld) {
  if (r <= 0 || c <= 0 || ld <= 0) return 0;
  if (layout == SIA_COL_MAJOR) {
    long long t = r;
    r = c, c = t;
  }
  return (r - 1) * ld + (c < ld ? c : ld);
}

/* A buffer of exactly n doubles (NULL for n == 0 or when too large to be a
 * real buffer: the library must reject such a call without reading). */
static double *buf(long long n, int poison) {
  if (n <= 0 || n > (1LL << 22)) return NULL;
  double *p = malloc((size_t)n * sizeof *p);
  for (long long i = 0; i < n; i++) p[i] = rng_uniform() * 100;
  if (poison == 1) p[n / 2] = NAN;
  if (poison == 2) p[0] = -INFINITY;
  return p;
}

int main(void) {
  const int layouts[4] = {SIA_ROW_MAJOR, SIA_COL_MAJOR, 0, 103};
  const char transes[5] = {'N', 'T', 'n', 'X', 0};
  /* Two memoized models of different shapes to aim at. */
  {
    double a[40 * 3], b[40];
    for (int i = 0; i < 120; i++) a[i] = rng_uniform();
    for (int i = 0; i < 40; i++) b[i] = rng_uniform();
    CHECK(cold_train(1, SIA_ROW_MAJOR, 'N', 40, 3, 1, a, 3, b, 1) == 0, "seed 1");
    double a2[40 * 5], b2[80];
    for (int i = 0; i < 200; i++) a2[i] = rng_uniform();
    for (int i = 0; i < 80; i++) b2[i] = rng_uniform();
    CHECK(cold_train(2, SIA_COL_MAJOR, 'N', 40, 5, 2, a2, 40, b2, 40) == 0, "seed 2");
  }
  int calls = 0, internal = 0;
  for (int it = 0; it < 4000; it++) {
    int layout = layouts[(int)((rng_uniform() + 1) * 2) % 4];
    if (rng_uniform() < 0) layout = SIA_ROW_MAJOR;
    char trans = transes[(int)((rng_uniform() + 1) * 2.5) % 5];
    int m = pick_dim(), n = pick_dim(), nrhs = pick_dim() % 4;
    int lda = pick_dim(), ldb = pick_dim();
    if (rng_uniform() < 0.3) lda = layout == SIA_COL_MAJOR ? m : n;
    if (rng_uniform() < 0.3) ldb = layout == SIA_COL_MAJOR ? (m > n ? m : n) : nrhs;
    int64_t id = (int64_t)((rng_uniform() + 1) * 2) - 1; /* -1, 0, 1, 2 */
    int poison = (int)((rng_uniform() + 1) * 4) % 4;
    double *a = buf(ext(layout, m, n, lda), poison == 1 ? 1 : poison == 2 ? 2 : 0);
    double *b = buf(ext(layout, m > n ? m : n, nrhs, ldb), poison == 3);
    int64_t before = sia_memo_count();
    int rc;
    switch (it % 5) {
      case 0: rc = cold_train(id, layout, trans, m, n, nrhs, a, lda, b, ldb); break;
      case 1: rc = incre_train(id, layout, trans, m, n, nrhs, a, lda, b, ldb); break;
      case 2: rc = decre_train(id, layout, trans, m, n, nrhs, a, lda, b, ldb); break;
      case 3: {
        int k = pick_dim();
        double *an = buf(ext(layout, k, n, lda), 0);
        rc = incre_train_shifted(id, layout, k, n, nrhs, an, lda, m, a, lda, b, ldb);
        free(an);
        break;
      }
      default: {
        struct sia_job jobs[2] = {{id, layout, m, n, nrhs, a, lda, b, ldb, 0},
                                  {id + 1, layout, m, n, nrhs, a, lda, b, ldb, 0}};
        rc = sia_train_batch(jobs, 2);
        if (jobs[0].info == SIA_EINTERNAL || jobs[1].info == SIA_EINTERNAL) internal++;
        break;
      }
    }
    calls++;
    if (rc == SIA_EINTERNAL) internal++;
    if (rc != 0 && it % 5 != 4 && it % 5 != 0) CHECK(sia_memo_count() == before, "failed call %d changed the memo count", it);
    free(a), free(b);
  }
  CHECK(sia_memo_merge(1, 1, 2) == -3, "merge of mismatched shapes");
  CHECK(sia_memo_merge(-1, 1, 2) == -1, "merge into a negative ID");
  CHECK(sia_memo_drop(-7) == SIA_ENOMEMO, "drop of an unknown ID");
  CHECK(sia_train_batch(NULL, 5) == -1 && sia_train_batch(NULL, -5) == -2, "batch NULL/negative");
  CHECK(sia_train_batch(NULL, -1) == -2, "batch count -1 (checked before jobs)");
  CHECK(sia_device_describe(NULL, 10) == -1, "describe NULL");
  CHECK(sia_memo_stats(NULL) == -1, "stats NULL");
  CHECK(sia_memo_open(NULL) == -1, "open NULL");
  CHECK(sia_memo_checkpoint() == SIA_ENOTOPEN, "checkpoint without open");
  CHECK(internal == 0, "%d calls reported SIA_EINTERNAL", internal);
  printf("test_hostile: %d hostile calls\n", calls);
  return check_done("test_hostile");
}
