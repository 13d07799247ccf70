/* test_stress.c -- 16 threads x hundreds of calls through libsia.so mixing
 * cold, incremental, drop, merge and batch training on disjoint model IDs
 * (each thread owns four) and on four shared IDs that every thread appends
 * to. At the end every owned model must equal a serial replay of its own
 * thread's call sequence (identical codes on every call, identical probe
 * solutions bit for bit), and every shared model must equal LAPACKE_dgels on
 * all rows all threads appended (appends commute). */
#define _POSIX_C_SOURCE 200809L
#include <lapacke.h>
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "sia.h"

enum { THREADS = 16, OPS = 1000, N = 9, OWNED = 4, SHARED = 4, BASE_ROWS = 40, MAXK = 24 };

/* Deterministic rows from a seed: key-like features plus a bias. */
static void rows(uint64_t seed, int k, double *a, double *b) {
  uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (int i = 0; i < k; i++) {
    for (int j = 0; j < N; j++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      a[i * N + j] = j == N - 1 ? 1.0 : (double)(s % 256);
    }
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    b[i] = (double)(s % 100000);
  }
}

enum { OP_COLD, OP_INCRE, OP_DROP, OP_MERGE, OP_BATCH, OP_SHARED };

struct op {
  int kind, k;
  int64_t id, id2, id3;
  uint64_t seed;
  int rc;
};

static struct op log_[THREADS][OPS];

static int64_t owned_id(int t, int q, int64_t base) { return base + t * OWNED + q; }

/* Runs op o for thread t with owned IDs offset by base; returns the code. */
static int run_op(int t, struct op *o, int64_t base) {
  double a[MAXK * 3 * N], b[MAXK * 3 > N ? MAXK * 3 : N];
  (void)t;
  switch (o->kind) {
    case OP_COLD:
      rows(o->seed, o->k, a, b);
      return cold_train(base + o->id, SIA_ROW_MAJOR, 'N', o->k, N, 1, a, N, b, 1);
    case OP_INCRE:
      rows(o->seed, o->k, a, b);
      return incre_train(base + o->id, SIA_ROW_MAJOR, 'N', o->k, N, 1, a, N, b, 1);
    case OP_DROP:
      return sia_memo_drop(base + o->id);
    case OP_MERGE:
      return sia_memo_merge(base + o->id, base + o->id2, base + o->id3);
    case OP_BATCH: {
      struct sia_job jobs[3];
      double bb[3][MAXK > N ? MAXK : N];
      int64_t ids[3] = {o->id, o->id2, o->id3};
      for (int q = 0; q < 3; q++) {
        rows(o->seed + q, o->k, &a[q * MAXK * N], bb[q]);
        jobs[q] = (struct sia_job){base + ids[q], SIA_ROW_MAJOR, o->k, N, 1, &a[q * MAXK * N], N, bb[q], 1, 0};
      }
      int failed = sia_train_batch(jobs, 3);
      return failed * 1000 + (jobs[0].info != 0) * 100 + (jobs[1].info != 0) * 10 + (jobs[2].info != 0);
    }
  }
  return -99;
}

static void *worker(void *arg) {
  int t = (int)(intptr_t)arg;
  uint64_t s = 1234567 + (uint64_t)t * 7919;
  for (int i = 0; i < OPS; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    struct op *o = &log_[t][i];
    memset(o, 0, sizeof *o);
    o->seed = s;
    int r = (int)(s % 100);
    o->id = owned_id(t, (int)((s >> 8) % OWNED), 0);
    o->id2 = owned_id(t, (int)((s >> 12) % OWNED), 0);
    o->id3 = owned_id(t, (int)((s >> 16) % OWNED), 0);
    if (r < 10) {
      o->kind = OP_COLD, o->k = 2 * N + (int)((s >> 20) % MAXK);
    } else if (r < 45) {
      o->kind = OP_INCRE, o->k = 1 + (int)((s >> 20) % MAXK);
    } else if (r < 50) {
      o->kind = OP_DROP;
    } else if (r < 57) {
      o->kind = OP_MERGE;
    } else if (r < 67) {
      o->kind = OP_BATCH, o->k = 1 + (int)((s >> 20) % MAXK);
    } else {
      /* Shared IDs 1..SHARED: appends only, incre or batch of two. */
      o->kind = OP_SHARED, o->k = 1 + (int)((s >> 20) % 5);
      o->id = 1 + (int)((s >> 24) % SHARED);
      double a[5 * N], b[N];
      rows(o->seed, o->k, a, b);
      o->rc = incre_train(o->id, SIA_ROW_MAJOR, 'N', o->k, N, 1, a, N, b, 1);
      continue;
    }
    o->rc = run_op(t, o, 1000);
  }
  return NULL;
}

/* Probe a model: absorb one fixed row and return the code and solution. */
static int probe(int64_t id, double x[N]) {
  double a[N], b[N];
  rows(424242, 1, a, b);
  memcpy(x, b, sizeof b);
  int rc = incre_train(id, SIA_ROW_MAJOR, 'N', 1, N, 1, a, N, x, 1);
  return rc;
}

int main(void) {
  /* Shared models start from BASE_ROWS rows. */
  for (int64_t id = 1; id <= SHARED; id++) {
    double a[BASE_ROWS * N], b[BASE_ROWS];
    rows((uint64_t)id * 99991, BASE_ROWS, a, b);
    CHECK(cold_train(id, SIA_ROW_MAJOR, 'N', BASE_ROWS, N, 1, a, N, b, 1) == 0, "shared cold");
  }
  sia_set_threads(2);
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  sia_set_threads(1);

  /* Serial replay of every thread's owned-ID calls on IDs offset by 1e6. */
  int mismatched_codes = 0, mismatched_models = 0, probed = 0;
  for (int t = 0; t < THREADS; t++) {
    for (int i = 0; i < OPS; i++) {
      struct op *o = &log_[t][i];
      if (o->kind == OP_SHARED) continue;
      int rc = run_op(t, o, 1000000);
      if (rc != o->rc) mismatched_codes++;
    }
    for (int q = 0; q < OWNED; q++) {
      int64_t id = owned_id(t, q, 0);
      double x1[N], x2[N];
      int r1 = probe(1000 + id, x1), r2 = probe(1000000 + id, x2);
      probed++;
      if (r1 != r2 || (r1 == 0 && memcmp(x1, x2, sizeof x1) != 0)) mismatched_models++;
    }
  }
  CHECK(mismatched_codes == 0, "%d calls returned a different code than in the serial replay", mismatched_codes);
  CHECK(mismatched_models == 0, "%d of %d models differ from their serial replay", mismatched_models, probed);

  /* Shared models: all appended rows, in any order, against LAPACKE. */
  for (int64_t id = 1; id <= SHARED; id++) {
    static double A[(BASE_ROWS + THREADS * OPS * 5 + 1) * N], B[BASE_ROWS + THREADS * OPS * 5 + 1];
    int m = BASE_ROWS;
    rows((uint64_t)id * 99991, BASE_ROWS, A, B);
    for (int t = 0; t < THREADS; t++)
      for (int i = 0; i < OPS; i++) {
        struct op *o = &log_[t][i];
        if (o->kind != OP_SHARED || o->id != id) continue;
        CHECK(o->rc == 0, "shared append failed: %d", o->rc);
        rows(o->seed, o->k, &A[m * N], &B[m]);
        m += o->k;
      }
    rows(424242, 1, &A[m * N], &B[m]);
    m++;
    double x[N];
    CHECK(probe(id, x) == 0, "probe shared");
    CHECK(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', m, N, 1, A, N, B, 1) == 0, "dgels");
    double d = 0, s = 0;
    for (int j = 0; j < N; j++) d += (x[j] - B[j]) * (x[j] - B[j]), s += B[j] * B[j];
    CHECK(sqrt(d / s) <= 1e-9, "shared model %d (%d rows) vs LAPACKE: %g", (int)id, m, sqrt(d / s));
  }
  printf("test_stress: %d threads x %d calls\n", THREADS, OPS);
  return check_done("test_stress");
}
