/* test_memory.c -- memory pressure through libsia.so: with a memo limit far
 * below the workload (100 000 models of n = 33 would take 495 MB), the
 * store stays within the limit, the process's resident memory grows by at
 * most the limit plus a documented overhead (SIA_MEM_OVERHEAD_MB, 64 MB:
 * the Go heap's GC headroom and scratch), nothing fails but SIA_ENOMEMO for
 * evicted models, and requests for huge dimensions fail with a clean code
 * before anything is allocated. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <string.h>

#include "check.h"
#include "sia.h"

enum { N = 33, M = 40, MODELS = 100000 };
static const long long LIMIT = 8LL << 20, OVERHEAD = 64LL << 20;

static long long rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kb = atoll(line + 6);
  if (f) fclose(f);
  return kb * 1024;
}

int main(void) {
  static double A[M * N], B[M], a[M * N], b[M];
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N; j++) A[i * N + j] = j == N - 1 ? 1 : (double)((unsigned)((rng_uniform() + 1) * 128) & 255);
    B[i] = i;
  }
  memcpy(a, A, sizeof a), memcpy(b, B, sizeof b);
  CHECK(cold_train(0, SIA_ROW_MAJOR, 'N', M, N, 1, a, N, b, 1) == 0, "warm-up");
  struct sia_memo_stats st;
  sia_memo_stats(&st);
  const long long per = st.bytes; /* one model, as the store accounts it */
  sia_memo_clear();
  long long rss0 = rss_bytes(), peak = rss0;
  sia_memo_set_limit(LIMIT);
  int failures = 0;
  for (int64_t id = 0; id < MODELS; id++) {
    memcpy(a, A, sizeof a), memcpy(b, B, sizeof b);
    a[(id % M) * N] += (double)(id % 7); /* models differ */
    if (cold_train(id, SIA_ROW_MAJOR, 'N', M, N, 1, a, N, b, 1) != 0) failures++;
    if (id % 5000 == 0) {
      long long r = rss_bytes();
      if (r > peak) peak = r;
    }
  }
  CHECK(failures == 0, "%d cold trainings failed", failures);
  sia_memo_stats(&st);
  CHECK(st.bytes <= LIMIT, "store holds %lld bytes over the %lld limit", (long long)st.bytes, LIMIT);
  CHECK(st.evictions >= MODELS - LIMIT / per, "evictions %lld", (long long)st.evictions);
  CHECK(peak - rss0 <= LIMIT + OVERHEAD, "resident memory grew by %lld MB (limit %lld MB + %lld MB overhead)",
        (peak - rss0) >> 20, LIMIT >> 20, OVERHEAD >> 20);
  printf("test_memory: %d models, store %lld KB (limit %lld KB), RSS grew %lld MB, %lld evictions\n", MODELS,
         (long long)st.bytes >> 10, LIMIT >> 10, (peak - rss0) >> 20, (long long)st.evictions);
  double row[N], y[N];
  memcpy(row, A, sizeof row);
  y[0] = 1;
  CHECK(incre_train(0, SIA_ROW_MAJOR, 'N', 1, N, 1, row, N, y, 1) == SIA_ENOMEMO, "evicted model");
  y[0] = 1;
  CHECK(incre_train(MODELS - 1, SIA_ROW_MAJOR, 'N', 1, N, 1, row, N, y, 1) == 0, "recent model");

  /* Huge requests: rejected before allocating. */
  static double big[5000];
  CHECK(incre_train(1, SIA_ROW_MAJOR, 'N', 1, 5000, 1, big, 5000, big, 1) == SIA_ETOOBIG, "n above the column bound");
  CHECK(cold_train(-1, SIA_COL_MAJOR, 'N', INT_MAX, INT_MAX, 1, NULL, INT_MAX, NULL, INT_MAX) == SIA_ETOOBIG, "2^62 elements");
  CHECK(cold_train(-1, SIA_ROW_MAJOR, 'T', INT_MAX, 3, 1, NULL, 3, NULL, 1) == -6, "NULL a with a huge m");
  sia_memo_set_limit(0);
  return check_done("test_memory");
}
