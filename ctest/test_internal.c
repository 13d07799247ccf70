/* test_internal.c -- internal errors through the C API (make faulttest).
 *
 * Built against build/fault/libsia.so, a test build of libsia (-tags
 * siafault, capi/fault.go) whose training engine panics while the
 * environment variable SIA_TEST_PANIC is set: an internal error in the
 * middle of a call, after the arguments were checked, with the model's
 * lock held. Every training export must recover it and return
 * SIA_EINTERNAL (sia.h: "Errors never abort the process: an internal
 * failure is reported as SIA_EINTERNAL and changes nothing"): memos and b
 * stay as they were, locks are released, and the same calls succeed once
 * the fault is gone, with the results of a model that never saw it. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sia.h"

enum { N = 5, M0 = 40, K = 6 };

static double A[(M0 + K) * N], B[M0 + K];

/* cold_train of rows [0, M0) into id. */
static int cold(int64_t id) {
  double a[M0 * N], b[M0];
  memcpy(a, A, sizeof a), memcpy(b, B, sizeof b);
  return cold_train(id, SIA_ROW_MAJOR, 'N', M0, N, 1, a, N, b, 1);
}

/* incre_train of rows [M0, M0+K) into id; the solution in x. */
static int incre(int64_t id, double x[K]) {
  memcpy(x, &B[M0], K * sizeof(double));
  return incre_train(id, SIA_ROW_MAJOR, 'N', K, N, 1, &A[M0 * N], N, x, 1);
}

int main(void) {
  for (int i = 0; i < M0 + K; i++) {
    for (int j = 0; j < N; j++) A[i * N + j] = rng_uniform() + (i % N == j ? 3.0 : 0.0);
    B[i] = rng_uniform();
  }
  CHECK(cold(1) == 0 && cold(2) == 0, "cold_train without the fault");
  int64_t count = sia_memo_count();

  setenv("SIA_TEST_PANIC", "1", 1);
  double x[K], b0[K];
  CHECK(cold(1) == SIA_EINTERNAL, "cold_train: internal error not reported");
  CHECK(cold(-1) == SIA_EINTERNAL, "cold_train (no memo): internal error not reported");
  CHECK(incre(1, x) == SIA_EINTERNAL, "incre_train: internal error not reported");
  CHECK(memcmp(x, &B[M0], sizeof x) == 0, "incre_train wrote b on an internal error");
  memcpy(b0, B, sizeof b0);
  CHECK(decre_train(1, SIA_ROW_MAJOR, 'N', 2, N, 1, A, N, b0, 1) == SIA_EINTERNAL,
        "decre_train: internal error not reported");
  CHECK(memcmp(b0, B, sizeof b0) == 0, "decre_train wrote b on an internal error");
  CHECK(sia_memo_merge(3, 1, 2) == SIA_EINTERNAL, "sia_memo_merge: internal error not reported");
  memcpy(x, &B[M0], sizeof x);
  struct sia_job job = {1, SIA_ROW_MAJOR, K, N, 1, &A[M0 * N], N, x, 1, 0};
  CHECK(sia_train_batch(&job, 1) == 1 && job.info == SIA_EINTERNAL, "sia_train_batch: info %d", job.info);
  CHECK(memcmp(x, &B[M0], sizeof x) == 0, "sia_train_batch wrote b on an internal error");
  CHECK(sia_memo_count() == count, "memo count changed: %lld, was %lld", (long long)sia_memo_count(), (long long)count);
  unsetenv("SIA_TEST_PANIC");

  /* Model 1 went through every failed call, model 2 through none: the same
   * update gives both the same solution, bit for bit. */
  double y[K];
  CHECK(incre(1, x) == 0 && incre(2, y) == 0, "incre_train after the fault");
  CHECK(memcmp(x, y, N * sizeof(double)) == 0, "a failed call changed the memo");
  CHECK(sia_memo_merge(3, 1, 2) == 0 && sia_memo_count() == count + 1, "sia_memo_merge after the fault");
  CHECK(strstr(sia_strerror(SIA_EINTERNAL), "internal") != NULL, "strerror");
  return check_done("test_internal");
}
