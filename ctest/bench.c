/* bench.c -- libsia against OpenBLAS/LAPACKE, side by side in one process.
 *
 * Interleaved rounds (every method once per round, inputs re-copied outside
 * the timed region), median and min/max per method, ratios against libsia.
 * Prints CSV rows (scenario,method,m,n,k,median_s,min_s,max_s,gflops,ratio)
 * with '#' comment lines. Single-threaded OpenBLAS (OPENBLAS_NUM_THREADS=1,
 * set by `make bench`). Not a test: `make bench` builds and runs it. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "sia.h"

#define ROUNDS 5

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: what a call costs the thread that makes
 * it, unaffected by time the thread spends descheduled -- the shifted grid's
 * clock, so that its ratios hold on a shared, loaded machine (every method
 * it times runs on the calling thread: libsia with one worker, OpenBLAS
 * single-threaded). */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

struct stat3 { double med, min, max; };

static struct stat3 stats(double *t, int n) {
  double s[ROUNDS];
  memcpy(s, t, n * sizeof *t);
  qsort(s, n, sizeof *s, cmpd);
  return (struct stat3){s[n / 2], s[0], s[n - 1]};
}

static void row(const char *scenario, const char *method, long m, int n, long k, struct stat3 s,
                double flops, double ref_med) {
  printf("%s,%s,%ld,%d,%ld,%.9f,%.9f,%.9f,%.2f,%.3f\n", scenario, method, m, n, k, s.med, s.min,
         s.max, flops / s.med / 1e9, s.med / ref_med);
  fflush(stdout);
}

/* Key-like column-major data: bytes 0..255 plus a bias column; targets a
 * noisy linear function (positions). */
static void keydata(long m, int n, double *a, double *b) {
  for (int j = 0; j < n; j++)
    for (long i = 0; i < m; i++)
      a[i + j * m] = j == n - 1 ? 1.0 : (double)((unsigned)((rng_uniform() + 1) * 128) & 255);
  for (long i = 0; i < m; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) s += a[i + j * m] * (j + 1);
    b[i] = s + rng_uniform();
  }
}

/* ---- cold training: dgels vs cold_train (1 and 2 threads), in both
 * layouts: column-major (no transposition for LAPACKE) and row-major (one
 * row per key: what learned indexes pass; LAPACKE transposes internally,
 * libsia transposes block by block into its kernel's layout) ---- */
static void bench_cold(long m, int n) {
  double *A = malloc((size_t)m * n * sizeof *A), *B = malloc((size_t)m * sizeof *B);
  double *AR = malloc((size_t)m * n * sizeof *AR);
  double *a = malloc((size_t)m * n * sizeof *a), *b = malloc((size_t)m * sizeof *b);
  keydata(m, n, A, B);
  for (long i = 0; i < m; i++)
    for (int j = 0; j < n; j++) AR[i * n + j] = A[i + j * m];
  enum { NM = 6 };
  double t[NM][ROUNDS], x0[129];
  for (int r = 0; r < ROUNDS; r++) {
    for (int meth = 0; meth < NM; meth++) {
      int rowmajor = meth >= 3, kind = meth % 3; /* 0 dgels, 1 libsia 1 thread, 2 libsia 2 threads */
      memcpy(a, rowmajor ? AR : A, (size_t)m * n * sizeof *a), memcpy(b, B, (size_t)m * sizeof *b);
      int layout = rowmajor ? SIA_ROW_MAJOR : SIA_COL_MAJOR, lda = rowmajor ? n : (int)m, ldb = rowmajor ? 1 : (int)m;
      double t0 = now();
      int rc;
      if (kind == 0) {
        rc = LAPACKE_dgels(layout, 'N', (int)m, n, 1, a, lda, b, ldb);
      } else {
        sia_set_threads(kind);
        rc = cold_train(-1, layout, 'N', (int)m, n, 1, a, lda, b, ldb);
      }
      t[meth][r] = now() - t0;
      if (rc) fprintf(stderr, "cold method %d: rc %d\n", meth, rc), exit(1);
      if (meth == 0) memcpy(x0, b, n * sizeof *b);
      else {
        double d = 0, s = 0;
        for (int j = 0; j < n; j++) d += (b[j] - x0[j]) * (b[j] - x0[j]), s += x0[j] * x0[j];
        if (sqrt(d / s) > 1e-8) fprintf(stderr, "cold: method %d differs from dgels by %g\n", meth, sqrt(d / s)), exit(1);
      }
    }
  }
  sia_set_threads(1);
  double flops = 2.0 * m * n * n - 2.0 * n * n * n / 3;
  struct stat3 s[NM];
  for (int i = 0; i < NM; i++) s[i] = stats(t[i], ROUNDS);
  row("cold", "LAPACKE_dgels", m, n, 0, s[0], flops, s[1].med);
  row("cold", "libsia_cold_train_1thread", m, n, 0, s[1], flops, s[1].med);
  row("cold", "libsia_cold_train_2threads", m, n, 0, s[2], flops, s[1].med);
  row("cold", "LAPACKE_dgels_rowmajor", m, n, 0, s[3], flops, s[4].med);
  row("cold", "libsia_cold_train_1thread_rowmajor", m, n, 0, s[4], flops, s[4].med);
  row("cold", "libsia_cold_train_2threads_rowmajor", m, n, 0, s[5], flops, s[4].med);
  printf("# cold %ldx%d: libsia is %.1fx faster than dgels (1 thread), %.1fx with 2 threads (scaling %.2fx)\n",
         m, n, s[0].med / s[1].med, s[0].med / s[2].med, s[1].med / s[2].med);
  printf("# cold row-major %ldx%d: libsia is %.1fx faster than row-major dgels (1 thread), %.1fx with 2 threads; "
         "row-major/column-major time: libsia %.2f, dgels %.2f\n",
         m, n, s[3].med / s[4].med, s[3].med / s[5].med, s[4].med / s[1].med, s[3].med / s[0].med);
  free(A), free(B), free(AR), free(a), free(b);
}

/* dtpqrt on [Raug; A_new | b_new] and the triangular solve: the best
 * composition of OpenBLAS for the update. Column-major: raug nc x nc (ld nc),
 * bb k x nc (ld k). Row-major (what a learned index holds; LAPACKE
 * transposes): raug ld nc, bb k x nc with ld nc. */
static void tpqrt_update(int layout, int k, int n, int nb, double *raug, double *bb, double *tw, double *x) {
  int nc = n + 1, row = layout == LAPACK_ROW_MAJOR;
  if (LAPACKE_dtpqrt(layout, k, nc, 0, nb, raug, nc, bb, row ? nc : k, tw, row ? nc : nb)) exit(20);
  for (int i = 0; i < n; i++) x[i] = row ? raug[i * nc + n] : raug[i + n * nc];
  cblas_dtrsv(row ? CblasRowMajor : CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, n, raug, nc, x, 1);
}

/* ---- the update kernel: incre_train vs dtpqrt (best nb), in both layouts:
 * column-major, and row-major (one row per key, what learned indexes pass:
 * libsia transposes block by block, LAPACKE_dtpqrt transposes internally and
 * the caller assembles [A_new | b_new] row by row, timed) ---- */
#define NNB 4
/* The dtpqrt row's ratio_to_libsia is the median over rounds of its time /
 * libsia's time in the same round (not the ratio of the medians). */
static void bench_kernel(int n, int k) {
  int nc = n + 1, nbs[NNB] = {8, 16, 32, 64};
  double *A = malloc((size_t)(k + n) * n * sizeof *A), *B = malloc((size_t)(k + n) * sizeof *B);
  keydata(k + n, n, A, B);
  double *a0 = malloc((size_t)(k + n) * n * sizeof *a0), *b0 = malloc((size_t)(k + n) * sizeof *b0);
  double *raug0 = calloc((size_t)nc * nc, sizeof *raug0), *raug0r = malloc((size_t)nc * nc * sizeof *raug0r), tau[130];
  /* Rows 0..n-1 give the starting factor (identical for both libraries). */
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) raug0[i + j * nc] = A[i + j * (k + n)];
  for (int i = 0; i < n; i++) raug0[i + n * nc] = B[i];
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, nc, nc, raug0, nc, tau); /* triangular start */
  for (int j = 0; j < nc; j++)
    for (int i = j + 1; i < nc; i++) raug0[i + j * nc] = 0;
  raug0[n + n * nc] = 0;
  for (int i = 0; i < nc; i++)
    for (int j = 0; j < nc; j++) raug0r[i * nc + j] = raug0[i + j * nc];
  /* New rows in both layouts; bb0 = [A_new | b_new] column-major for dtpqrt. */
  double *an = malloc((size_t)k * n * sizeof *an), *anr = malloc((size_t)k * n * sizeof *anr);
  double *an0 = malloc((size_t)k * n * sizeof *an0), *anr0 = malloc((size_t)k * n * sizeof *anr0);
  double *bn = malloc((size_t)(k > n ? k : n) * sizeof *bn), *bb0 = malloc((size_t)k * nc * sizeof *bb0);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < k; i++) an[i + j * k] = bb0[i + j * k] = anr[i * n + j] = A[n + i + j * (k + n)];
  for (int i = 0; i < k; i++) bb0[i + n * k] = B[n + i];
  memcpy(an0, an, (size_t)k * n * sizeof *an0), memcpy(anr0, anr, (size_t)k * n * sizeof *anr0);
  double *raug = malloc((size_t)nc * nc * sizeof *raug), *bb = malloc((size_t)k * nc * sizeof *bb);
  double *tw = malloc((size_t)64 * nc * sizeof *tw), x[130];
  double flop1 = 2.0 * k * n * n;
  int reps = (int)(6e7 / flop1) + 1; /* ~3 ms per timing: the VM's noise averages out */
  enum { NM = 2 * (NNB + 1) }; /* per layout: dtpqrt at each nb, then libsia */
  double t[NM][ROUNDS];
  /* Interleaved call by call (every method once per repetition), so that
   * the machine's noise falls on all methods alike. Every method's inputs
   * are copied from a master just before its timed call (untimed), so each
   * starts with its new rows in cache, as an index's freshly inserted keys
   * are; the row-major caller's assembly of [A_new | b_new] for dtpqrt is
   * timed, as part of its cost. */
  for (int r = 0; r < ROUNDS; r++) {
    memcpy(a0, A, (size_t)(k + n) * n * sizeof *a0), memcpy(b0, B, (size_t)(k + n) * sizeof *b0);
    if (cold_train(900, SIA_COL_MAJOR, 'N', n, n, 1, a0, k + n, b0, k + n)) exit(2); /* same starting factor */
    for (int meth = 0; meth < NM; meth++) t[meth][r] = 0;
    for (int rep = 0; rep < reps; rep++) {
      for (int meth = 0; meth < NM; meth++) {
        int rm = meth >= NNB + 1, q = meth % (NNB + 1), layout = rm ? LAPACK_ROW_MAJOR : LAPACK_COL_MAJOR;
        double t0;
        if (q < NNB) {
          memcpy(raug, rm ? raug0r : raug0, (size_t)nc * nc * sizeof *raug);
          if (rm) memcpy(anr, anr0, (size_t)k * n * sizeof *anr);
          else memcpy(bb, bb0, (size_t)k * nc * sizeof *bb);
          t0 = now();
          if (rm) /* the caller's assembly of [A_new | b_new], row by row */
            for (int i = 0; i < k; i++) memcpy(&bb[i * nc], &anr[i * n], n * sizeof *bb), bb[i * nc + n] = B[n + i];
          tpqrt_update(layout, k, n, nbs[q] < nc ? nbs[q] : nc, raug, bb, tw, x);
        } else {
          memcpy(bn, &B[n], (size_t)k * sizeof *bn);
          if (rm) memcpy(anr, anr0, (size_t)k * n * sizeof *anr);
          else memcpy(an, an0, (size_t)k * n * sizeof *an);
          t0 = now();
          int rc = rm ? incre_train(900, SIA_ROW_MAJOR, 'N', k, n, 1, anr, n, bn, 1)
                      : incre_train(900, SIA_COL_MAJOR, 'N', k, n, 1, an, k, bn, k > n ? k : n);
          if (rc) exit(3);
        }
        t[meth][r] += now() - t0;
      }
    }
    for (int meth = 0; meth < NM; meth++) t[meth][r] /= reps;
  }
  for (int rm = 0; rm < 2; rm++) {
    struct stat3 best = stats(t[rm * (NNB + 1)], ROUNDS);
    int bestnb = nbs[0];
    for (int q = 1; q < NNB; q++) {
      struct stat3 s = stats(t[rm * (NNB + 1) + q], ROUNDS);
      if (s.med < best.med) best = s, bestnb = nbs[q];
    }
    struct stat3 sia = stats(t[rm * (NNB + 1) + NNB], ROUNDS);
    /* The ratio is the median of the rounds' ratios: the methods of a round
     * ran interleaved under the same load, so a slow drift of the shared
     * machine cancels out of each round's ratio. */
    double q[ROUNDS];
    int bq = 0;
    while (nbs[bq] != bestnb) bq++;
    for (int r = 0; r < ROUNDS; r++) q[r] = t[rm * (NNB + 1) + bq][r] / t[rm * (NNB + 1) + NNB][r];
    struct stat3 qs = stats(q, ROUNDS);
    char name[64];
    snprintf(name, sizeof name, "LAPACKE_dtpqrt_nb%d%s", bestnb, rm ? "_rowmajor" : "");
    row("update", name, 0, n, k, best, flop1, best.med / qs.med);
    row("update", rm ? "libsia_incre_train_rowmajor" : "libsia_incre_train", 0, n, k, sia, flop1, sia.med);
  }
  double q[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) q[r] = t[2 * NNB + 1][r] / t[NNB][r];
  printf("# update n=%d k=%d: libsia row-major/column-major time %.3f (median over rounds)\n", n, k, stats(q, ROUNDS).med);
  sia_memo_drop(900);
  free(A), free(B), free(a0), free(b0), free(raug0), free(raug0r), free(an), free(anr), free(an0), free(anr0), free(bn), free(bb0), free(raug),
      free(bb), free(tw);
}

/* ---- the ceiling: dgemm's rate, measured in the same run -- square
 * (OpenBLAS's best case) and in the update's own shape (k x n times n x n,
 * k = 10 000) ---- */
static void bench_ceiling(int n) {
  int m = n ? 10000 : 1000, kk = n ? n : 1000, nn = n ? n : 1000;
  double *a = malloc((size_t)m * kk * sizeof *a), *b = malloc((size_t)kk * nn * sizeof *b);
  double *c = calloc((size_t)m * nn, sizeof *c);
  for (long i = 0; i < (long)m * kk; i++) a[i] = rng_uniform();
  for (long i = 0; i < (long)kk * nn; i++) b[i] = rng_uniform();
  double flops = 2.0 * m * kk * nn, t[ROUNDS];
  int reps = (int)(2e8 / flops) + 1;
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = now();
    for (int rep = 0; rep < reps; rep++)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, nn, kk, 1.0, a, m, b, kk, 0.5, c, m);
    t[r] = (now() - t0) / reps;
  }
  struct stat3 s = stats(t, ROUNDS);
  char name[64];
  snprintf(name, sizeof name, "cblas_dgemm_%dx%dx%d", m, nn, kk);
  row("ceiling", name, 0, n ? n : 1000, n ? 10000 : 1000, s, flops, s.med);
  free(a), free(b), free(c);
}

/* ---- a retraining pass: `models` models (n = 33), k new rows each,
 * row-major (one row per key): one sia_train_batch vs a loop of incre_train
 * vs a loop of LAPACKE_dtpqrt + dtrsv on per-model [R | Q^T b] kept by the
 * caller (LAPACKE row-major, the caller assembling [A_new | b_new]) ---- */
static void bench_pass(int models, int n, int k) {
  int nc = n + 1, nb = 16;
  long rows = (long)models * k;
  double *A = malloc((size_t)(rows + n) * n * sizeof *A), *B = malloc((size_t)(rows + n) * sizeof *B);
  keydata(rows + n, n, A, B); /* column-major; rows n.. are the new rows */
  double *anr = malloc((size_t)rows * n * sizeof *anr), *bn = malloc((size_t)rows * sizeof *bn);
  double *anc = malloc((size_t)rows * n * sizeof *anc); /* model q's rows: a k x n column-major block */
  for (long i = 0; i < rows; i++)
    for (int j = 0; j < n; j++) anr[i * n + j] = anc[(i / k) * k * n + i % k + j * k] = A[n + i + j * (rows + n)];
  /* Every model starts from the factor of the same first n + 1 rows. */
  double *raug0 = calloc((size_t)nc * nc, sizeof *raug0), tau[130];
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) raug0[i * nc + j] = A[i + j * (rows + n)];
  for (int i = 0; i < n; i++) raug0[i * nc + n] = B[i];
  LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, nc, nc, raug0, nc, tau);
  for (int i = 0; i < nc; i++)
    for (int j = 0; j < i; j++) raug0[i * nc + j] = 0;
  raug0[n * nc + n] = 0;
  double *raugs = malloc((size_t)models * nc * nc * sizeof *raugs), *bb = malloc((size_t)k * nc * sizeof *bb);
  double *tw = malloc((size_t)nb * nc * sizeof *tw), x[130];
  double *a0 = malloc((size_t)(n + 1) * n * sizeof *a0), b0[130];
  for (int i = 0; i <= n; i++)
    for (int j = 0; j < n; j++) a0[i * n + j] = A[i + j * (rows + n)];
  struct sia_job *jobs = malloc((size_t)models * sizeof *jobs);
  enum { NM = 5 }; /* dtpqrt loop, incre_train loop, batch on 1 and 2 threads, batch column-major */
  double t[NM][ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    for (int meth = 0; meth < NM; meth++) {
      /* Reset every model (untimed): memos for libsia, [R | Q^T b] for dtpqrt. */
      if (meth == 0) {
        for (int q = 0; q < models; q++) memcpy(&raugs[(size_t)q * nc * nc], raug0, (size_t)nc * nc * sizeof *raugs);
      } else {
        for (int q = 0; q < models; q++) {
          double a1[130 * 129];
          memcpy(a1, a0, (size_t)(n + 1) * n * sizeof *a1);
          memcpy(b0, B, (size_t)(n + 1) * sizeof *b0);
          if (cold_train(100000 + q, SIA_ROW_MAJOR, 'N', n + 1, n, 1, a1, n, b0, 1)) exit(30);
        }
      }
      memcpy(bn, &B[n], (size_t)rows * sizeof *bn);
      double t0 = now();
      if (meth == 0) {
        for (int q = 0; q < models; q++) {
          const double *aq = &anr[(size_t)q * k * n], *bq = &bn[(size_t)q * k];
          for (int i = 0; i < k; i++) memcpy(&bb[i * nc], &aq[i * n], n * sizeof *bb), bb[i * nc + n] = bq[i];
          tpqrt_update(LAPACK_ROW_MAJOR, k, n, nb, &raugs[(size_t)q * nc * nc], bb, tw, x);
          memcpy(&bn[(size_t)q * k], x, n * sizeof *x);
        }
      } else if (meth == 1) {
        for (int q = 0; q < models; q++)
          if (incre_train(100000 + q, SIA_ROW_MAJOR, 'N', k, n, 1, &anr[(size_t)q * k * n], n, &bn[(size_t)q * k], 1))
            exit(31);
      } else if (meth == 4) {
        for (int q = 0; q < models; q++)
          jobs[q] = (struct sia_job){100000 + q, SIA_COL_MAJOR, k, n, 1, &anc[(size_t)q * k * n], k, &bn[(size_t)q * k], k, 0};
        if (sia_train_batch(jobs, models)) exit(33);
      } else {
        sia_set_threads(meth - 1);
        for (int q = 0; q < models; q++)
          jobs[q] = (struct sia_job){100000 + q, SIA_ROW_MAJOR, k, n, 1, &anr[(size_t)q * k * n], n, &bn[(size_t)q * k], 1, 0};
        if (sia_train_batch(jobs, models)) exit(32);
        sia_set_threads(1);
      }
      t[meth][r] = now() - t0;
    }
  }
  struct stat3 s0 = stats(t[0], ROUNDS), s1 = stats(t[1], ROUNDS), s2 = stats(t[2], ROUNDS), s3 = stats(t[3], ROUNDS), s4 = stats(t[4], ROUNDS);
  double fl = 2.0 * rows * n * n;
  row("pass", "LAPACKE_dtpqrt_nb16_dtrsv_loop_rowmajor", models, n, k, s0, fl, s2.med);
  row("pass", "libsia_incre_train_loop_rowmajor", models, n, k, s1, fl, s2.med);
  row("pass", "libsia_sia_train_batch_rowmajor", models, n, k, s2, fl, s2.med);
  row("pass", "libsia_sia_train_batch_2threads_rowmajor", models, n, k, s3, fl, s2.med);
  row("pass", "libsia_sia_train_batch", models, n, k, s4, fl, s2.med);
  printf("# pass of %d models (n=%d, k=%d new rows each, row-major): sia_train_batch %.2f us per job, "
         "%.2fx a dtpqrt+dtrsv loop, %.2fx an incre_train loop; on 2 threads %.2f us per job (%.2fx); "
         "row-major/column-major time %.2f\n",
         models, n, k, s2.med / models * 1e6, s0.med / s2.med, s1.med / s2.med, s3.med / models * 1e6, s2.med / s3.med,
         s2.med / s4.med);
  for (int q = 0; q < models; q++) sia_memo_drop(100000 + q);
  free(A), free(B), free(anr), free(anc), free(bn), free(raug0), free(raugs), free(bb), free(tw), free(a0), free(jobs);
}

/* ---- incremental retraining on 1e6 rows: dgels refit, the paper's
 * reference method, dtpqrt, incre_train ---- */
static void bench_incre(long m, int n, int k) {
  long mt = m + k;
  int nc = n + 1;
  double *A = malloc((size_t)mt * n * sizeof *A), *B = malloc((size_t)mt * sizeof *B);
  keydata(mt, n, A, B);
  double *a = malloc((size_t)mt * n * sizeof *a), *b = malloc((size_t)mt * sizeof *b);
  /* R_old (and Q^T b, residual) of the first m rows, for the OpenBLAS methods. */
  double *raug0 = calloc((size_t)nc * nc, sizeof *raug0);
  {
    double *c = malloc((size_t)m * nc * sizeof *c), *tau = malloc(nc * sizeof *tau);
    for (int j = 0; j < n; j++) memcpy(&c[j * m], &A[j * mt], (size_t)m * sizeof *c);
    memcpy(&c[n * m], B, (size_t)m * sizeof *c);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)m, nc, c, (int)m, tau);
    for (int j = 0; j < nc; j++)
      for (int i = 0; i <= j; i++) raug0[i + j * nc] = c[i + j * m];
    free(c), free(tau);
  }
  double *an = malloc((size_t)k * n * sizeof *an), *bn = malloc((size_t)k * sizeof *bn);
  double *bb0 = malloc((size_t)k * nc * sizeof *bb0);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < k; i++) an[i + j * k] = bb0[i + j * k] = A[m + i + j * mt];
  for (int i = 0; i < k; i++) bb0[i + n * k] = bn[i] = B[m + i];
  double *raug = malloc((size_t)nc * nc * sizeof *raug), *bb = malloc((size_t)k * nc * sizeof *bb);
  double *tw = malloc((size_t)32 * nc * sizeof *tw), x[130], xref[130];
  double *rn = malloc((size_t)k * n * sizeof *rn), *st = malloc((size_t)2 * n * n * sizeof *st), tau[130];
  /* One libsia model per round, cold-trained on the first m rows. */
  for (int r = 0; r < ROUNDS; r++) {
    for (int j = 0; j < n; j++) memcpy(&a[j * m], &A[j * mt], (size_t)m * sizeof *a);
    memcpy(b, B, (size_t)m * sizeof *b);
    if (cold_train(800 + r, SIA_COL_MAJOR, 'N', (int)m, n, 1, a, (int)m, b, (int)m)) exit(4);
  }
  double t[4][ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    /* 0: full retrain with dgels on all rows. */
    memcpy(a, A, (size_t)mt * n * sizeof *a), memcpy(b, B, (size_t)mt * sizeof *b);
    double t0 = now();
    if (LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (int)mt, n, 1, a, (int)mt, b, (int)mt)) exit(5);
    t[0][r] = now() - t0;
    memcpy(xref, b, n * sizeof *b);
    /* 1: the SIA paper's reference method on OpenBLAS: QR of the new rows,
     * dgeqrf of the stacked 2n x n [R_old; R_new], A^T b over all rows,
     * x = R^-1 R^-T A^T b. */
    memcpy(rn, an, (size_t)k * n * sizeof *rn);
    t0 = now();
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, k, n, rn, k, tau);
    for (int j = 0; j < n; j++)
      for (int i = 0; i < 2 * n; i++)
        st[i + j * 2 * n] = i < n ? (i <= j ? raug0[i + j * nc] : 0) : (i - n <= j ? rn[i - n + j * k] : 0);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, 2 * n, n, st, 2 * n, tau);
    cblas_dgemv(CblasColMajor, CblasTrans, (int)mt, n, 1.0, A, (int)mt, B, 1, 0.0, x, 1);
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, n, st, 2 * n, x, 1);
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, n, st, 2 * n, x, 1);
    t[1][r] = now() - t0;
    /* 2: dtpqrt (nb = 32) + triangular solve. */
    memcpy(raug, raug0, (size_t)nc * nc * sizeof *raug), memcpy(bb, bb0, (size_t)k * nc * sizeof *bb);
    t0 = now();
    tpqrt_update(LAPACK_COL_MAJOR, k, n, 32, raug, bb, tw, x);
    t[2][r] = now() - t0;
    /* 3: libsia incre_train on the new rows only. */
    double bsia[130 > 10000 ? 130 : 10000];
    memcpy(bsia, bn, (size_t)k * sizeof *bsia);
    t0 = now();
    if (incre_train(800 + r, SIA_COL_MAJOR, 'N', k, n, 1, an, k, bsia, k)) exit(6);
    t[3][r] = now() - t0;
    double d = 0, s = 0;
    for (int j = 0; j < n; j++) d += (bsia[j] - xref[j]) * (bsia[j] - xref[j]), s += xref[j] * xref[j];
    if (sqrt(d / s) > 1e-8) fprintf(stderr, "incre: libsia differs from dgels by %g\n", sqrt(d / s)), exit(7);
  }
  struct stat3 s0 = stats(t[0], ROUNDS), s1 = stats(t[1], ROUNDS), s2 = stats(t[2], ROUNDS), s3 = stats(t[3], ROUNDS);
  double fl = 2.0 * k * n * n;
  row("incre", "LAPACKE_dgels_full_retrain", mt, n, k, s0, 2.0 * mt * n * n, s3.med);
  row("incre", "sia_paper_reference_openblas", mt, n, k, s1, fl, s3.med);
  row("incre", "LAPACKE_dtpqrt_nb32", mt, n, k, s2, fl, s3.med);
  row("incre", "libsia_incre_train", mt, n, k, s3, fl, s3.med);
  printf("# incre m=%ld n=%d k=%d: libsia is %.0fx faster than a dgels retrain, %.1fx than the paper's method\n",
         m, n, k, s0.med / s3.med, s1.med / s3.med);

  /* incre_train_shifted: one streaming pass for A^T b and one per
   * correction step, against a plain memcpy of A. */
  double ts[2][ROUNDS];
  double *acopy = malloc((size_t)mt * n * sizeof *acopy);
  for (int r = 0; r < ROUNDS; r++) {
    for (int j = 0; j < n; j++) memcpy(&a[j * m], &A[j * mt], (size_t)m * sizeof *a);
    memcpy(b, B, (size_t)m * sizeof *b);
    if (cold_train(700, SIA_COL_MAJOR, 'N', (int)m, n, 1, a, (int)m, b, (int)m)) exit(8);
    memcpy(b, B, (size_t)mt * sizeof *b);
    double t0 = now();
    int rc = incre_train_shifted(700, SIA_COL_MAJOR, k, n, 1, an, k, (int)mt, A, (int)mt, b, (int)mt);
    ts[0][r] = now() - t0;
    if (rc) fprintf(stderr, "shifted: %d\n", rc), exit(9);
    t0 = now();
    memcpy(acopy, A, (size_t)mt * n * sizeof *acopy);
    ts[1][r] = now() - t0;
  }
  struct stat3 ss = stats(ts[0], ROUNDS), sm = stats(ts[1], ROUNDS);
  double bytes = (double)mt * n * 8;
  row("shifted", "libsia_incre_train_shifted", mt, n, k, ss, 2.0 * 2 * mt * n + fl, ss.med);
  row("shifted", "memcpy_of_A", mt, n, 0, sm, 0, ss.med);
  printf("# shifted: 2 passes over A (A^T b, then corrections in double-double until converged: one here) at %.1f GB/s read; memcpy of A %.1f GB/s (bytes copied/s)\n",
         2 * bytes / ss.med / 1e9, bytes / sm.med / 1e9);
  free(acopy);
  for (int r = 0; r < ROUNDS; r++) sia_memo_drop(800 + r);
  sia_memo_drop(700);
  free(A), free(B), free(a), free(b), free(raug0), free(an), free(bn), free(bb0), free(raug), free(bb), free(tw), free(rn), free(st);
}

/* ---- row-major vs column-major for the memoized entry points beyond
 * incre_train (which the update grid covers): incre_train_shifted and
 * decre_train on a model of m rows, k new rows; timed call by call,
 * interleaved (shifted col, shifted row, decre col, decre row) ---- */
static void bench_layouts(long m, int n, int k) {
  long mt = m + k;
  double *A = malloc((size_t)mt * n * sizeof *A), *B = malloc((size_t)mt * sizeof *B);
  keydata(mt, n, A, B);
  double *AR = malloc((size_t)mt * n * sizeof *AR), *a = malloc((size_t)mt * n * sizeof *a);
  double *b = malloc((size_t)mt * sizeof *b), *an = malloc((size_t)k * n * sizeof *an), *anr = malloc((size_t)k * n * sizeof *anr);
  for (long i = 0; i < mt; i++)
    for (int j = 0; j < n; j++) AR[i * n + j] = A[i + j * mt];
  for (int j = 0; j < n; j++)
    for (int i = 0; i < k; i++) an[i + j * k] = anr[i * n + j] = A[m + i + j * mt];
  double t[4][ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    for (int rm = 0; rm < 2; rm++) { /* a fresh model of the first m rows per layout (untimed) */
      if (rm) {
        memcpy(a, AR, (size_t)m * n * sizeof *a);
      } else {
        for (int j = 0; j < n; j++) memcpy(&a[j * m], &A[j * mt], (size_t)m * sizeof *a);
      }
      memcpy(b, B, (size_t)m * sizeof *b);
      if (cold_train(650 + rm, rm ? SIA_ROW_MAJOR : SIA_COL_MAJOR, 'N', (int)m, n, 1, a, rm ? n : (int)m, b, rm ? 1 : (int)m))
        exit(40);
    }
    for (int meth = 0; meth < 4; meth++) {
      int rm = meth & 1, rc;
      double t0;
      if (meth < 2) { /* shifted: absorbs the k new rows, refits the targets of all mt rows */
        memcpy(b, B, (size_t)mt * sizeof *b);
        t0 = now();
        rc = rm ? incre_train_shifted(651, SIA_ROW_MAJOR, k, n, 1, anr, n, (int)mt, AR, n, b, 1)
                : incre_train_shifted(650, SIA_COL_MAJOR, k, n, 1, an, k, (int)mt, A, (int)mt, b, (int)mt);
      } else { /* decre: removes them again */
        memcpy(b, &B[m], (size_t)k * sizeof *b);
        t0 = now();
        rc = rm ? decre_train(651, SIA_ROW_MAJOR, 'N', k, n, 1, anr, n, b, 1)
                : decre_train(650, SIA_COL_MAJOR, 'N', k, n, 1, an, k, b, k);
      }
      t[meth][r] = now() - t0;
      if (rc) fprintf(stderr, "layouts: method %d returned %d\n", meth, rc), exit(41);
    }
  }
  struct stat3 s[4];
  for (int i = 0; i < 4; i++) s[i] = stats(t[i], ROUNDS);
  double fs = 2.0 * 2 * mt * n + 2.0 * k * n * n, fd = 2.0 * k * n * n;
  row("layout", "libsia_incre_train_shifted", mt, n, k, s[0], fs, s[0].med);
  row("layout", "libsia_incre_train_shifted_rowmajor", mt, n, k, s[1], fs, s[0].med);
  row("layout", "libsia_decre_train", mt, n, k, s[2], fd, s[2].med);
  row("layout", "libsia_decre_train_rowmajor", mt, n, k, s[3], fd, s[2].med);
  printf("# layouts m=%ld n=%d k=%d: row-major/column-major time: incre_train_shifted %.2f, decre_train %.2f\n", m, n, k,
         s[1].med / s[0].med, s[3].med / s[2].med);
  sia_memo_drop(650), sia_memo_drop(651);
  free(A), free(B), free(AR), free(a), free(b), free(an), free(anr);
}

/* ---- shifted retraining (SIndex style): m sorted string keys of n-1 bytes
 * (a 3-byte prefix from 64, then random bytes) plus a bias column, targets
 * = positions; k of them new, spread evenly. The memo holds the m-k old
 * keys at their old positions; incre_train_shifted absorbs the k new rows
 * and re-solves with every key at its new position. Against cold_train and
 * LAPACKE_dgels on the same m rows (what an index without the memo does).
 * One model per (m, n, layout); every round times cold_train, dgels and the
 * shifted call for each k/m in fracs, interleaved; the memo of the old rows
 * is rebuilt (untimed) before each shifted call. Timed in thread CPU time
 * (cpu_now). The ratio column is each method's median over rounds of its
 * time / cold_train's in that round. ---- */
static size_t g_keylen; /* qsort has no context argument */
static int keycmp_g(const void *x, const void *y) { return memcmp(x, y, g_keylen); }

static double median_ratio(double *num, double *den, int rounds) {
  double r[ROUNDS];
  for (int i = 0; i < rounds; i++) r[i] = num[i] / den[i];
  qsort(r, rounds, sizeof *r, cmpd);
  return r[rounds / 2];
}

static void bench_shifted(long m, int n, int colmajor, int with_dgels) {
  enum { NF = 3 };
  const double fracs[NF] = {0.001, 0.01, 0.1};
  const int rounds = m >= 1000000 ? 3 : ROUNDS;
  const int L = n - 1, layout = colmajor ? SIA_COL_MAJOR : SIA_ROW_MAJOR;
  unsigned char pre[64][3];
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 3; j++) pre[i][j] = (unsigned char)(97 + (unsigned)((rng_uniform() + 1) * 13) % 26);
  unsigned char *keys = malloc((size_t)m * L);
  for (long i = 0; i < m; i++) {
    memcpy(&keys[i * L], pre[(unsigned)((rng_uniform() + 1) * 32) & 63], 3);
    for (int j = 3; j < L; j++) keys[i * L + j] = (unsigned char)((unsigned)((rng_uniform() + 1) * 128) & 255);
  }
  g_keylen = (size_t)L;
  qsort(keys, (size_t)m, (size_t)L, keycmp_g);
  /* all rows in the layout, positions 0..m-1 */
  double *A = malloc((size_t)m * n * sizeof *A), *B = malloc((size_t)m * sizeof *B);
  for (long i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      double v = j < L ? (double)keys[i * L + j] : 1.0;
      if (colmajor) A[i + j * m] = v; else A[i * n + j] = v;
    }
    B[i] = (double)i;
  }
  free(keys);
  long ldA = colmajor ? m : n;
  double *a = malloc((size_t)m * n * sizeof *a), *b = malloc((size_t)m * sizeof *b);
  /* per k: the new rows, and the old rows with their old positions */
  long ks[NF];
  double *an[NF], *ao[NF], *bo[NF];
  for (int f = 0; f < NF; f++) {
    long k = ks[f] = (long)(m * fracs[f] + 0.5), mo = m - k, in = 0, io = 0;
    an[f] = malloc((size_t)k * n * sizeof *an[f]);
    ao[f] = malloc((size_t)mo * n * sizeof *ao[f]);
    bo[f] = malloc((size_t)mo * sizeof *bo[f]);
    for (long i = 0; i < m; i++) {
      int isnew = (i + 1) * k / m > i * k / m;
      for (int j = 0; j < n; j++) {
        double v = colmajor ? A[i + j * m] : A[i * n + j];
        if (isnew) { if (colmajor) an[f][in + j * k] = v; else an[f][in * n + j] = v; }
        else { if (colmajor) ao[f][io + j * mo] = v; else ao[f][io * n + j] = v; }
      }
      if (isnew) in++; else bo[f][io] = (double)io, io++;
    }
  }
  double tc[ROUNDS], td[ROUNDS], ts[NF][ROUNDS];
  for (int r = 0; r < rounds; r++) {
    memcpy(a, A, (size_t)m * n * sizeof *a), memcpy(b, B, (size_t)m * sizeof *b);
    double t0 = cpu_now();
    int rc = cold_train(-1, layout, 'N', (int)m, n, 1, a, (int)ldA, b, colmajor ? (int)m : 1);
    tc[r] = cpu_now() - t0;
    if (rc) fprintf(stderr, "shifted: cold_train %d\n", rc), exit(50);
    if (with_dgels) {
      memcpy(a, A, (size_t)m * n * sizeof *a), memcpy(b, B, (size_t)m * sizeof *b);
      t0 = cpu_now();
      rc = LAPACKE_dgels(colmajor ? LAPACK_COL_MAJOR : LAPACK_ROW_MAJOR, 'N', (int)m, n, 1, a, (int)ldA, b, colmajor ? (int)m : 1);
      td[r] = cpu_now() - t0;
      if (rc) fprintf(stderr, "shifted: dgels %d\n", rc), exit(51);
    }
    for (int f = 0; f < NF; f++) {
      long k = ks[f], mo = m - k;
      memcpy(a, ao[f], (size_t)mo * n * sizeof *a), memcpy(b, bo[f], (size_t)mo * sizeof *b);
      if (cold_train(900, layout, 'N', (int)mo, n, 1, a, colmajor ? (int)mo : n, b, colmajor ? (int)mo : 1))
        exit(52);
      /* all rows from a fresh copy, as cold_train and dgels read theirs */
      memcpy(a, A, (size_t)m * n * sizeof *a), memcpy(b, B, (size_t)m * sizeof *b);
      t0 = cpu_now();
      rc = incre_train_shifted(900, layout, (int)k, n, 1, an[f], colmajor ? (int)k : n, (int)m, a, (int)ldA, b,
                               colmajor ? (int)m : 1);
      ts[f][r] = cpu_now() - t0;
      if (rc) fprintf(stderr, "shifted: incre_train_shifted m=%ld n=%d k=%ld: %d\n", m, n, k, rc), exit(53);
    }
  }
  const char *lay = colmajor ? "col" : "row";
  char sc[32];
  snprintf(sc, sizeof sc, "shifted_%s", lay);
  struct stat3 s = stats(tc, rounds);
  double fc = 2.0 * m * n * n - 2.0 * n * n * n / 3;
  row(sc, "libsia_cold_train", m, n, 0, s, fc, s.med);
  if (with_dgels) {
    struct stat3 d = stats(td, rounds);
    printf("%s,%s,%ld,%d,%d,%.9f,%.9f,%.9f,%.2f,%.3f\n", sc, "lapacke_dgels", m, n, 0, d.med, d.min, d.max,
           fc / d.med / 1e9, median_ratio(td, tc, rounds));
  }
  for (int f = 0; f < NF; f++) {
    struct stat3 x = stats(ts[f], rounds);
    printf("%s,%s,%ld,%d,%ld,%.9f,%.9f,%.9f,%.2f,%.3f\n", sc, "libsia_incre_train_shifted", m, n, ks[f], x.med,
           x.min, x.max, (2.0 * ks[f] * n * n + 4.0 * m * n) / x.med / 1e9, median_ratio(ts[f], tc, rounds));
    free(an[f]), free(ao[f]), free(bo[f]);
  }
  fflush(stdout);
  sia_memo_drop(900);
  free(A), free(B), free(a), free(b);
}

/* ---- call overhead ---- */
static void bench_overhead(void) {
  const int calls = 200000;
  double a[3] = {1, 2, 1}, bcol[3] = {1, 0, 0};
  double ab[12] = {1, 0, 0, 1, 1, 0, 1, 1, 1, 2, 3, 1}, b4[4] = {1, 2, 3, 4};
  if (cold_train(1, SIA_ROW_MAJOR, 'N', 4, 3, 1, ab, 3, b4, 1)) exit(10);
  double t[3][ROUNDS];
  volatile int sink = 0;
  long failed = 0; /* a failing call would time the error path, not training */
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = now();
    for (int i = 0; i < calls; i++) sink += sia_version_number();
    t[0][r] = (now() - t0) / calls;
    t0 = now();
    for (int i = 0; i < calls; i++) sink += (int)sia_memo_count();
    t[1][r] = (now() - t0) / calls;
    t0 = now();
    for (int i = 0; i < calls; i++) {
      bcol[0] = 1;
      failed += incre_train(1, SIA_ROW_MAJOR, 'N', 1, 3, 1, a, 3, bcol, 1) != 0;
    }
    t[2][r] = (now() - t0) / calls;
  }
  (void)sink;
  if (failed) {
    fprintf(stderr, "bench: %ld of %d timed incre_train calls failed\n", failed, ROUNDS * calls);
    exit(11);
  }
  struct stat3 s0 = stats(t[0], ROUNDS), s1 = stats(t[1], ROUNDS), s2 = stats(t[2], ROUNDS);
  row("overhead", "cgo_entry_sia_version_number", 0, 0, 1, s0, 0, s2.med);
  row("overhead", "cgo_entry_plus_atomic_sia_memo_count", 0, 0, 1, s1, 0, s2.med);
  row("overhead", "incre_train_n3_k1", 0, 3, 1, s2, 0, s2.med);
  printf("# overhead: incre_train(n=3,k=1) %.0f ns per call; bare cgo entry %.0f ns\n", s2.med * 1e9, s0.med * 1e9);
  sia_memo_drop(1);
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "-quick") == 0;
  printf("# libsia %s bench; OpenBLAS single-threaded; %d interleaved rounds, median/min/max seconds\n",
         sia_version(), ROUNDS);
  printf("scenario,method,m,n,k,median_s,min_s,max_s,gflops,ratio_to_libsia\n");
  /* A last argument -cold, -update, -pass or -layout runs that part alone. */
  const char *only = argc > 1 && argv[argc - 1][0] == '-' && strcmp(argv[argc - 1], "-quick") ? argv[argc - 1] : "";
  int cold_only = strcmp(only, "-cold") == 0, update_only = strcmp(only, "-update") == 0,
      pass_only = strcmp(only, "-pass") == 0;
  if (strcmp(only, "-layout") == 0) {
    bench_layouts(100000, 33, 1000);
    return 0;
  }
  /* -shifted: the shifted-retraining grid alone (m 2e4, 1e5, 1e6; n 17..129;
   * both layouts; LAPACKE_dgels beside it up to m = 1e5, and at m = 1e6 for
   * n <= 33, where a dgels refit takes less than a few seconds); `make
   * bench` runs it after the rest, into build/shifted.csv. */
  if (strcmp(only, "-shifted") == 0) {
    long ms[3] = {20000, 100000, 1000000};
    int ns[4] = {17, 33, 65, 129};
    for (int i = 0; i < (quick ? 2 : 3); i++)
      for (int j = 0; j < 4; j++)
        for (int c = 0; c < 2; c++) bench_shifted(quick ? ms[i] / 10 : ms[i], ns[j], c, ms[i] < 1000000 || ns[j] <= 33);
    return 0;
  }
  if (!cold_only && !pass_only) {
    if (!update_only) bench_overhead();
    bench_ceiling(0);
    int ns[6] = {9, 17, 33, 65, 97, 129}, ks[5] = {16, 64, 256, 1000, 10000};
    for (int i = 0; i < 6; i++) {
      bench_ceiling(ns[i]);
      for (int j = 0; j < 5; j++) bench_kernel(ns[i], ks[j]);
    }
  }
  if (update_only) return 0;
  if (!cold_only) bench_pass(quick ? 1000 : 10000, 33, 64);
  if (pass_only) return 0;
  if (!cold_only) bench_incre(quick ? 100000 : 1000000, 33, 10000);
  if (!cold_only) bench_layouts(100000, 33, 1000);
  bench_cold(quick ? 100000 : 1000000, 33);
  bench_cold(quick ? 20000 : 200000, 97);
  bench_cold(quick ? 10000 : 100000, 17);
  bench_cold(10000, 65);
  struct sia_memo_stats st;
  double a[34 * 40], b[40];
  for (int i = 0; i < 34 * 40; i++) a[i] = rng_uniform();
  for (int i = 0; i < 40; i++) b[i] = rng_uniform();
  sia_memo_clear();
  if (cold_train(1, SIA_ROW_MAJOR, 'N', 40, 33, 1, a, 33, b, 1) || sia_memo_stats(&st)) exit(12);
  const long long payload = 8 * (33 * 34 / 2 + 33 + 1);
  printf("# memory: a memo of n=33, nrhs=1 costs %lld bytes (8*(n(n+1)/2 + n*nrhs + nrhs) = %lld payload + %lld: "
         "size-class rounding, model struct, slot and map entry, as sia_memo_stats counts them)\n",
         (long long)st.bytes, payload, (long long)st.bytes - payload);
  return 0;
}
