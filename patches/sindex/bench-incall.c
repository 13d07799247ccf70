// bench-incall.c -- what one libsia call costs SIndex's compaction thread.
// 233 models (SIndex's group count at 100 000 keys), m = 1000 rows, n = 7
// (6 key bytes + bias, the mean window of the verify runs); the calls go to
// the models in turn. "warm": calls back to back; "thrashed": 2 x 32 MiB of
// other memory touched between calls, as a compaction does between fits.
// Columns: sia_version_number (a call that does nothing: the cost of
// entering the library, Go's cgo callback, alone), incre_train of k = 400
// and of k = 1 new rows (the latter is the call's fixed cost), cold_train of all 1000 rows memoized (the model's ID)
// and without a memo (model ID -1, a plain dgels), in dgels mode (rcond 0)
// and in the rank-revealing mode sia_set_rcond(1e-10) (rcond 1). CPU time of
// the calling thread, mean over 200 calls.
//   cc -O2 -I$PREFIX/include bench-incall.c -L$PREFIX/lib -lsia -Wl,-rpath,$PREFIX/lib -o bench-incall
//   ./bench-incall 0; ./bench-incall 1
#include <sia.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long tns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  const int M = 1000, N = 7, K = 400, R = 200, G = 233;
  int rcond = argc > 1 && atoi(argv[1]);
  if (rcond) sia_set_rcond(1e-10);
  double *a = malloc(sizeof(double) * M * N), *a2 = malloc(sizeof(double) * M * N);
  double *b = malloc(sizeof(double) * (M + N));
  size_t TB = 32 << 20;
  char *thr = malloc(TB);
  memset(thr, 1, TB);
  srand(1);
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N - 1; j++) a[i * N + j] = rand() % 36 + 48;
    a[i * N + N - 1] = 1;
  }
  for (int g = 0; g < G; g++) {
    memcpy(a2, a, sizeof(double) * M * N);
    for (int i = 0; i < M; i++) b[i] = i / (double)M;
    if (cold_train(g, SIA_ROW_MAJOR, 'N', M, N, 1, a2, N, b, 1)) return 1;
  }
  volatile long sink = 0;
  for (int thrash = 0; thrash < 2; thrash++) {
    long long t0v = 0, t400 = 0, t1 = 0, tc = 0, tn = 0;
    for (int r = 0; r < R; r++) {
      int g = r % G;
      if (thrash) for (size_t x = 0; x < TB; x += 64) sink += thr[x]++;
      long long t0 = tns();
      sink += sia_version_number();
      t0v += tns() - t0;
      if (thrash) for (size_t x = 0; x < TB; x += 64) sink += thr[x]++;
      for (int i = 0; i < K; i++) b[i] = i / (double)K;
      t0 = tns();
      if (incre_train(g, SIA_ROW_MAJOR, 'N', K, N, 1, a, N, b, 1)) return 1;
      t400 += tns() - t0;
      if (thrash) for (size_t x = 0; x < TB; x += 64) sink += thr[x]++;
      b[0] = 0.5;
      t0 = tns();
      if (incre_train(g, SIA_ROW_MAJOR, 'N', 1, N, 1, a, N, b, 1)) return 1;
      t1 += tns() - t0;
      if (thrash) for (size_t x = 0; x < TB; x += 64) sink += thr[x]++;
      memcpy(a2, a, sizeof(double) * M * N);
      for (int i = 0; i < M; i++) b[i] = i / (double)M;
      t0 = tns();
      if (cold_train(g, SIA_ROW_MAJOR, 'N', M, N, 1, a2, N, b, 1)) return 1;
      tc += tns() - t0;
      if (thrash) for (size_t x = 0; x < TB; x += 64) sink += thr[x]++;
      memcpy(a2, a, sizeof(double) * M * N);
      for (int i = 0; i < M; i++) b[i] = i / (double)M;
      t0 = tns();
      if (cold_train(-1, SIA_ROW_MAJOR, 'N', M, N, 1, a2, N, b, 1)) return 1;
      tn += tns() - t0;
    }
    printf("rcond %d, %-8s: no-op call %5.1f us, incre_train k=%d %5.1f us, k=1 %5.1f us; cold_train m=%d %5.1f us, no memo %5.1f us\n",
           rcond, thrash ? "thrashed" : "warm", t0v / 1e3 / R, K, t400 / 1e3 / R, t1 / 1e3 / R, M, tc / 1e3 / R, tn / 1e3 / R);
  }
  return 0;
}
