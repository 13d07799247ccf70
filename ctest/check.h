/* check.h -- a minimal test harness shared by the C tests in ctest/. */
#ifndef SIA_CTEST_CHECK_H
#define SIA_CTEST_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    check_count++;                                                    \
    if (!(cond)) {                                                    \
      check_failures++;                                               \
      fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
    }                                                                 \
  } while (0)

/* check_done prints a summary and returns the process exit status. */
static inline int check_done(const char *name) {
  printf("%s: %d checks, %d failures\n", name, check_count, check_failures);
  return check_failures ? 1 : 0;
}

/* A small deterministic generator (splitmix64) so runs are reproducible. */
static uint64_t rng_state = 0x5eed;
static inline double rng_uniform(void) { /* in [-1, 1) */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* Element (i, j) of a matrix in layout 101 (row-major) or 102. */
static inline size_t at(int layout, int i, int j, int ld) {
  return layout == 101 ? (size_t)i * (size_t)ld + (size_t)j
                       : (size_t)i + (size_t)j * (size_t)ld;
}

/* Extent in elements of an r x c matrix with leading dimension ld. */
static inline size_t extent(int layout, int r, int c, int ld) {
  if (r <= 0 || c <= 0) return 1;
  return layout == 101 ? (size_t)(r - 1) * ld + c : (size_t)(c - 1) * ld + r;
}

#endif
