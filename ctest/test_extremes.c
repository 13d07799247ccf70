/* test_extremes.c -- every entry point at the ends of the floating-point
 * range, against Debian's LAPACKE_dgels in the same process.
 *
 * The data (string-key-like: random entries, a bias column of ones) are
 * scaled by sa (A) and sb (b) for sa, sb in {1e+-150, 1e+-295, 1e+-300,
 * 1e-310, 1e-315 (denormals), DBL_MAX/n}: A alone, b alone and both. For
 * each entry point -- cold_train ('N'/'T', m >= n and m < n), incre_train,
 * decre_train, incre_train_shifted, sia_memo_merge followed by incre_train,
 * sia_train_batch, the rank-revealing solve -- in both layouts and on both
 * engines (the CPU engine and OpenCL, PoCL here), libsia's answer must have
 * LAPACKE's return code, be finite, and lie within 10x of LAPACKE's error
 * (or of 1e-12, the error floor of these well-conditioned problems, which
 * is ~1e3 n eps cond(A)) from the exact answer of the scaled problem
 * (x_unscaled * sb / sa). The incremental paths are compared with one
 * dgels on all the rows they have absorbed. Zero A and zero b are checked
 * against LAPACKE's codes and zero solutions.
 *
 * Scale pairs whose exact answer is not representable in double (|sb/sa|
 * beyond 1e+-280) are skipped: neither library can return it.
 *
 * Output: a Markdown table, one row per entry point, one column per scale:
 * the worst relative error of libsia / of LAPACKE over layouts, engines and
 * the three pairings; README's accuracy matrix is this output
 * (bench/accuracy/extremes.md, `make figures`). */
#include <float.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sia.h"

enum { M0 = 300, K = 60, MT = M0 + K, N = 17, NRHS = 2, MW = 9 };
#define FLOOR 1e-12

static double A0[MT * N], B0[MT * NRHS]; /* column-major, ld MT */
/* Column scales: 1 except in the mixed-column pass, where columns range
 * over 1e-155 .. 1e155 (least squares is column-scale equivariant: x_j
 * scales by 1/cs[j], so a solver that flushes small columns is caught). */
static double CS[N];

/* A problem solved by one dgels: rows r0..r0+m-1 of the base data, n
 * columns, trans, targets shifted or not. */
typedef struct {
  char trans;
  int r0, m, n, shifted;
} prob;

static double base_b(int i, int r, int shifted) {
  double v = B0[i + r * MT];
  return shifted ? v + 0.25 + 0.01 * i / MT : v;
}

/* fill_a/fill_b write the scaled rows of a problem in layout, tight ld. */
static void fill_a(int layout, int r0, int m, int n, double sa, double *a) {
  int ld = layout == SIA_ROW_MAJOR ? n : m;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) a[at(layout, i, j, ld)] = A0[(r0 + i) + j * MT] * CS[j] * sa;
}
static void fill_b(int layout, int r0, int rows, int shifted, double sb, double *b) {
  int ld = layout == SIA_ROW_MAJOR ? NRHS : rows;
  for (int i = 0; i < rows; i++)
    for (int r = 0; r < NRHS; r++) b[at(layout, i, r, ld)] = base_b(r0 + i, r, shifted) * sb;
}
static int lda_of(int layout, int m, int n) { return layout == SIA_ROW_MAJOR ? n : m; }
static int ldb_of(int layout, int rows) { return layout == SIA_ROW_MAJOR ? NRHS : rows; }
static int xrows(prob p) { return p.trans == 'N' ? p.n : p.m; }

/* lapack solves p with LAPACKE_dgels on scaled data in layout; x gets the
 * solution (column-major, ld MT). Returns LAPACKE's info. */
static int lapack(int layout, prob p, double sa, double sb, double *x) {
  int rows = p.m > p.n ? p.m : p.n;
  double *a = malloc(sizeof(double) * p.m * p.n), *b = malloc(sizeof(double) * rows * NRHS);
  fill_a(layout, p.r0, p.m, p.n, sa, a);
  fill_b(layout, p.r0, rows, p.shifted, sb, b);
  int info = LAPACKE_dgels(layout, p.trans, p.m, p.n, NRHS, a, lda_of(layout, p.m, p.n), b,
                           ldb_of(layout, rows));
  for (int i = 0; i < xrows(p); i++)
    for (int r = 0; r < NRHS; r++) x[i + r * MT] = b[at(layout, i, r, ldb_of(layout, rows))];
  free(a);
  free(b);
  return info;
}

/* err is max|x - want| / max|want| over the solution (inf-norm, free of
 * overflow); +inf when x has a non-finite entry. */
static double err(prob p, const double *x, const double *want) {
  double d = 0, w = 0;
  for (int r = 0; r < NRHS; r++)
    for (int i = 0; i < xrows(p); i++) {
      double xi = x[i + r * MT], wi = want[i + r * MT];
      if (!isfinite(xi)) return INFINITY;
      d = fmax(d, fabs(xi - wi));
      w = fmax(w, fabs(wi));
    }
  return w > 0 ? d / w : d;
}

/* Read the solution of p out of b (rows max(m,n)) in layout. */
static void take(int layout, prob p, const double *b, int ldb, double *x) {
  for (int i = 0; i < xrows(p); i++)
    for (int r = 0; r < NRHS; r++) x[i + r * MT] = b[at(layout, i, r, ldb)];
}

enum { P_COLD_N, P_COLD_N_WIDE, P_COLD_T, P_COLD_T_WIDE, P_INCRE, P_DECRE, P_SHIFTED,
       P_MERGE, P_BATCH, P_RCOND, NPATH };
static const char *path_name[NPATH] = {
    "cold_train 'N' m>=n", "cold_train 'N' m<n", "cold_train 'T' m>=n", "cold_train 'T' m<n",
    "incre_train",         "decre_train",        "incre_train_shifted", "memo_merge + incre",
    "sia_train_batch",     "rank-revealing cold"};

/* The dgels problem each path must match. */
static prob final_prob(int path) {
  switch (path) {
    case P_COLD_N: return (prob){'N', 0, MT, N, 0};
    case P_COLD_N_WIDE: return (prob){'N', 0, MW, N, 0};
    case P_COLD_T: return (prob){'T', 0, MT, N, 0};
    case P_COLD_T_WIDE: return (prob){'T', 0, MW, N, 0};
    case P_DECRE: return (prob){'N', 0, M0, N, 0};
    case P_SHIFTED: return (prob){'N', 0, MT, N, 1};
    default: return (prob){'N', 0, MT, N, 0};
  }
}

/* libsia runs path in layout on scaled data; x gets the solution. Returns
 * the code of the call that produced it (earlier calls must succeed). */
static int run(int path, int layout, double sa, double sb, double *x) {
  prob p = final_prob(path);
  static double a[MT * N], b[MT * NRHS], a2[MT * N], b2[MT * NRHS];
  int rc = 0;
  sia_memo_clear();
  switch (path) {
    case P_COLD_N: case P_COLD_N_WIDE: case P_COLD_T: case P_COLD_T_WIDE: case P_RCOND: {
      int rows = p.m > p.n ? p.m : p.n;
      fill_a(layout, 0, p.m, p.n, sa, a);
      fill_b(layout, 0, rows, 0, sb, b);
      if (path == P_RCOND) sia_set_rcond(1e-12);
      rc = cold_train(path == P_RCOND ? 6 : -1, layout, p.trans, p.m, p.n, NRHS, a,
                      lda_of(layout, p.m, p.n), b, ldb_of(layout, rows));
      sia_set_rcond(-1);
      take(layout, p, b, ldb_of(layout, rows), x);
      return rc;
    }
    case P_INCRE: case P_BATCH: case P_MERGE: {
      if (path == P_MERGE) {
        int h = M0 / 2;
        fill_a(layout, 0, h, N, sa, a);
        fill_b(layout, 0, h, 0, sb, b);
        CHECK(cold_train(2, layout, 'N', h, N, NRHS, a, lda_of(layout, h, N), b, ldb_of(layout, h)) == 0, "merge half");
        fill_a(layout, h, M0 - h, N, sa, a);
        fill_b(layout, h, M0 - h, 0, sb, b);
        CHECK(cold_train(3, layout, 'N', M0 - h, N, NRHS, a, lda_of(layout, M0 - h, N), b,
                         ldb_of(layout, M0 - h)) == 0, "merge half");
        CHECK(sia_memo_merge(1, 2, 3) == 0, "merge");
      } else {
        fill_a(layout, 0, M0, N, sa, a);
        fill_b(layout, 0, M0, 0, sb, b);
        CHECK(cold_train(1, layout, 'N', M0, N, NRHS, a, lda_of(layout, M0, N), b, ldb_of(layout, M0)) == 0, "cold");
      }
      fill_a(layout, M0, K, N, sa, a2);
      fill_b(layout, M0, K, 0, sb, b2);
      if (path == P_BATCH) {
        struct sia_job job = {1, layout, K, N, NRHS, a2, lda_of(layout, K, N), b2, ldb_of(layout, K), 0};
        sia_train_batch(&job, 1);
        rc = job.info;
      } else {
        rc = incre_train(1, layout, 'N', K, N, NRHS, a2, lda_of(layout, K, N), b2, ldb_of(layout, K));
      }
      take(layout, p, b2, ldb_of(layout, K), x);
      return rc;
    }
    case P_DECRE:
      fill_a(layout, 0, MT, N, sa, a);
      fill_b(layout, 0, MT, 0, sb, b);
      CHECK(cold_train(1, layout, 'N', MT, N, NRHS, a, lda_of(layout, MT, N), b, ldb_of(layout, MT)) == 0, "cold");
      fill_a(layout, M0, K, N, sa, a2);
      fill_b(layout, M0, K, 0, sb, b2);
      rc = decre_train(1, layout, 'N', K, N, NRHS, a2, lda_of(layout, K, N), b2, ldb_of(layout, K));
      take(layout, p, b2, ldb_of(layout, K), x);
      return rc;
    case P_SHIFTED:
      fill_a(layout, 0, M0, N, sa, a);
      fill_b(layout, 0, M0, 0, sb, b);
      CHECK(cold_train(1, layout, 'N', M0, N, NRHS, a, lda_of(layout, M0, N), b, ldb_of(layout, M0)) == 0, "cold");
      fill_a(layout, M0, K, N, sa, a2);
      fill_a(layout, 0, MT, N, sa, a);
      fill_b(layout, 0, MT, 1, sb, b);
      rc = incre_train_shifted(1, layout, K, N, NRHS, a2, lda_of(layout, K, N), MT, a,
                               lda_of(layout, MT, N), b, ldb_of(layout, MT));
      take(layout, p, b, ldb_of(layout, MT), x);
      return rc;
  }
  return -9999;
}

static double worst_sia[NPATH][16], worst_lapack[NPATH][16];
static int refusals;

static void scaled_matrix(const char *engine, int mixed) {
  const double all[] = {1e150, 1e-150, 1e295, 1e-295, 1e300, 1e-300, 1e-310, 1e-315, DBL_MAX / N};
  /* Mixed columns (1e-155 .. 1e155) on top of a global scale that takes
   * the largest past dgels's bounds or the smallest toward underflow. */
  const double mix[] = {1e150, 1e-150};
  const double *scales = mixed ? mix : all;
  const int ns = mixed ? 2 : (int)(sizeof all / sizeof all[0]);
  for (int j = 0; j < N; j++) CS[j] = mixed && j < N - 1 ? pow(10, -155 + 310.0 * j / (N - 2)) : 1;
  static double want[MT * NRHS], xl[MT * NRHS], xs[MT * NRHS], ref[MT * NRHS];
  for (int path = 0; path < NPATH; path++) {
    /* Mixed column scales (cond(A) ~ 1e300) only where least squares is
     * column-scale equivariant and LAPACKE's answer is right: full-rank
     * trans 'N', m >= n. (The minimum-norm and trans 'T' least-squares
     * cases are not -- LAPACKE's own residuals are O(1) there -- nor is the
     * rank-revealing solve, which truncates at rcond.) */
    if (mixed && (path == P_COLD_N_WIDE || path == P_COLD_T || path == P_COLD_T_WIDE || path == P_RCOND))
      continue;
    prob p = final_prob(path);
    CHECK(lapack(SIA_COL_MAJOR, p, 1, 1, ref) == 0, "unscaled reference");
    for (int s = 0; s <= ns; s++) {
      for (int pair = 0; pair < 3; pair++) {
        double v = s == ns ? 1 : scales[s];
        double sa = pair == 1 ? 1 : v, sb = pair == 0 ? 1 : v;
        if (s == ns && pair > 0) continue; /* scale 1: once */
        double ratio = sb / sa;
        if (!(ratio < 1e280 && ratio > 1e-280)) continue;
        for (int i = 0; i < xrows(p); i++)
          for (int r = 0; r < NRHS; r++) want[i + r * MT] = ref[i + r * MT] * ratio;
        for (int layout = SIA_ROW_MAJOR; layout <= SIA_COL_MAJOR; layout++) {
          int il = lapack(layout, p, sa, sb, xl);
          int is = run(path, layout, sa, sb, xs);
          if (mixed && is == SIA_ECOLD && (path == P_DECRE || path == P_SHIFTED)) {
            refusals++; /* documented: downdated R's condition estimate
                         * above 1e10, or corrections that do not converge */
            continue;
          }
          double el = il == 0 ? err(p, xl, want) : INFINITY, es = err(p, xs, want);
          double r = es / fmax(el, FLOOR);
          CHECK(is == il, "%s%s %s layout %d sa %g sb %g: code %d, LAPACKE %d", engine,
                mixed ? " mixed columns" : "", path_name[path], layout, sa, sb, is, il);
          CHECK(il != 0 || r <= 10, "%s%s %s layout %d sa %g sb %g: error %.3g, LAPACKE %.3g", engine,
                mixed ? " mixed columns" : "", path_name[path], layout, sa, sb, es, el);
          int col = s == ns ? 0 : s + 1;
          if (il == 0 && !mixed) {
            worst_sia[path][col] = fmax(worst_sia[path][col], es);
            worst_lapack[path][col] = fmax(worst_lapack[path][col], el);
          }
        }
      }
    }
  }
  for (int j = 0; j < N; j++) CS[j] = 1;
}

/* Zero A and zero b: LAPACKE's codes and exactly zero solutions. */
static void zeros(void) {
  for (int layout = SIA_ROW_MAJOR; layout <= SIA_COL_MAJOR; layout++) {
    for (int t = 0; t < 2; t++) {
      char trans = t ? 'T' : 'N';
      for (int wide = 0; wide < 2; wide++) {
        int m = wide ? MW : M0, rows = m > N ? m : N;
        static double a[MT * N], b[MT * NRHS], al[MT * N], bl[MT * NRHS];
        for (int zb = 0; zb < 2; zb++) {
          fill_a(layout, 0, m, N, zb ? 1 : 0, a);
          fill_b(layout, 0, rows, 0, zb ? 0 : 1, b);
          memcpy(al, a, sizeof a);
          memcpy(bl, b, sizeof b);
          sia_memo_clear();
          int is = cold_train(trans == 'N' && !wide ? 1 : -1, layout, trans, m, N, NRHS, a,
                              lda_of(layout, m, N), b, ldb_of(layout, rows));
          int il = LAPACKE_dgels(layout, trans, m, N, NRHS, al, lda_of(layout, m, N), bl,
                                 ldb_of(layout, rows));
          CHECK(is == il, "zero %s: layout %d trans %c m %d: code %d, LAPACKE %d", zb ? "b" : "A",
                layout, trans, m, is, il);
          int xr = trans == 'N' ? N : m;
          for (int i = 0; i < xr; i++)
            for (int r = 0; r < NRHS; r++)
              CHECK(b[at(layout, i, r, ldb_of(layout, rows))] == 0, "zero %s: x not zero", zb ? "b" : "A");
          if (trans == 'N' && !wide && !zb) {
            /* A model of zero rows absorbs more zero rows: still x = 0. */
            fill_a(layout, 0, K, N, 0, a);
            fill_b(layout, 0, K, 0, 1, b);
            CHECK(incre_train(1, layout, 'N', K, N, NRHS, a, lda_of(layout, K, N), b, ldb_of(layout, K)) == 0,
                  "incre on zero A");
            for (int i = 0; i < N; i++) CHECK(b[at(layout, i, 0, ldb_of(layout, K))] == 0, "incre zero A: x");
          }
        }
      }
    }
  }
}

/* Rank-deficient string keys: 400 models of 500 consecutive URL-like keys
 * "https://u<13 digits>" (16 bytes; the shared prefix and the slowly
 * changing digits make constant byte columns beside the bias column, so A
 * is exactly rank deficient, rank 1 to 3). In dgels mode neither library
 * can give a usable model: each returns i > 0 where its R(i,i) comes out
 * exactly zero, or 0 with a meaningless solution where it comes out as
 * rounding noise -- which of the two depends on the rounding, so the codes
 * may differ (they are counted, in *differ). Checked for every model:
 *   - every code 0, of either library, comes with a weight above 1e10 on
 *     byte values 0..255 for targets 0..499: so no code difference ever
 *     refuses a usable model the other library gives;
 *   - the rank-revealing mode sia.h recommends for such key sets
 *     (sia_set_rcond(1e-10)) returns 0 with LAPACKE_dgelss's solution
 *     (relative difference <= 1e-10) and rank, weights under 1e4.
 * *zeros counts the dgels-mode codes 0 (libsia's and LAPACKE's). */
static void rank_deficient(int *differ, int *zeros) {
  enum { KM = 500, KN = 17, MODELS = 400 };
  static double a0[KM * KN], a[KM * KN], b[KM], al[KM * KN], bl[KM], sv[KN];
  *differ = *zeros = 0;
  for (int model = 0; model < MODELS; model++) {
    long long base = (long long)((rng_uniform() + 1) * 1e12);
    for (int i = 0; i < KM; i++) {
      char key[40];
      snprintf(key, sizeof key, "https://u%013lld", base + (long long)i * (1 + model % 5));
      for (int j = 0; j < KN - 1; j++) a0[i * KN + j] = (unsigned char)key[j];
      a0[i * KN + KN - 1] = 1;
    }
    for (int pass = 0; pass < 2; pass++) {
      memcpy(a, a0, sizeof a), memcpy(al, a0, sizeof a);
      for (int i = 0; i < KM; i++) b[i] = bl[i] = i;
      if (pass == 1) { /* the rank-revealing mode against dgelss */
        sia_set_rcond(1e-10);
        int is = cold_train(-1, SIA_ROW_MAJOR, 'N', KM, KN, 1, a, KN, b, 1), rank = sia_last_rank(), rl = -1;
        sia_set_rcond(-1);
        int il = LAPACKE_dgelss(SIA_ROW_MAJOR, KM, KN, 1, al, KN, bl, 1, sv, 1e-10, &rl);
        double d = 0, nrm = 0, big = 0;
        for (int j = 0; j < KN; j++) {
          d += (b[j] - bl[j]) * (b[j] - bl[j]), nrm += bl[j] * bl[j];
          big = fmax(big, fabs(b[j]));
        }
        CHECK(is == 0 && il == 0 && rank == rl && rank < KN, "model %d rcond: codes %d, %d, rank %d vs dgelss %d",
              model, is, il, rank, rl);
        CHECK(d <= 1e-20 * nrm && big < 1e4, "model %d rcond: rel diff %.2g from dgelss, max|x| %.3g", model,
              sqrt(d / nrm), big);
        continue;
      }
      int is = cold_train(-1, SIA_ROW_MAJOR, 'N', KM, KN, 1, a, KN, b, 1);
      int il = LAPACKE_dgels(SIA_ROW_MAJOR, 'N', KM, KN, 1, al, KN, bl, 1);
      CHECK(is >= 0 && il >= 0, "rank-deficient model %d: codes %d, %d", model, is, il);
      *differ += is != il;
      const double *x[2] = {b, bl};
      int code[2] = {is, il};
      for (int lib = 0; lib < 2; lib++) {
        if (code[lib] != 0) continue;
        ++*zeros;
        double big = 0;
        for (int j = 0; j < KN; j++) big = fmax(big, fabs(x[lib][j]));
        CHECK(big > 1e10, "model %d: %s returned 0 with max|x| %.3g: a usable model on a deficient key set",
              model, lib ? "LAPACKE" : "libsia", big);
      }
    }
  }
}

/* Target columns of very different magnitude (1e200 and 1e-250, nrhs = 2):
 * nothing lies outside dgels's range, so dgels does not scale, and a pure
 * dgels call (model_id < 0) must keep the small column's digits in both
 * layouts (found by review: one exponent for all columns flushed it). */
static void wide_targets(void) {
  enum { KM = 8, KN = 2, NR = 2 };
  for (int layout = SIA_ROW_MAJOR; layout <= SIA_COL_MAJOR; layout++) {
    double a[KM * KN], b[KM * NR], al[KM * KN], bl[KM * NR];
    int lda = layout == SIA_ROW_MAJOR ? KN : KM, ldb = layout == SIA_ROW_MAJOR ? NR : KM;
    for (int i = 0; i < KM; i++) {
      a[at(layout, i, 0, lda)] = 1;
      a[at(layout, i, 1, lda)] = i;
      b[at(layout, i, 0, ldb)] = (1 + 0.5 * i) * 1e200;
      b[at(layout, i, 1, ldb)] = (2 - 0.25 * i + 0.01 * i * i) * 1e-250;
    }
    memcpy(al, a, sizeof a);
    memcpy(bl, b, sizeof b);
    double a0[KM * KN], b0[KM * NR];
    memcpy(a0, a, sizeof a);
    memcpy(b0, b, sizeof b);
    int il = LAPACKE_dgels(layout, 'N', KM, KN, NR, al, lda, bl, ldb);
    CHECK(il == 0, "wide targets: LAPACKE %d", il);
    /* model_id < 0: exactly dgels; model_id >= 0: the same answer, but the
     * memo could not keep the small column, so none is stored (an earlier
     * one is dropped) and incre_train answers SIA_ENOMEMO. */
    for (int64_t id = -1; id <= 77; id += 78) {
      memcpy(a, a0, sizeof a);
      memcpy(b, b0, sizeof b);
      if (id >= 0) CHECK(cold_train(id, layout, 'N', KM, KN, NR, a, lda, b, ldb) == 0, "seed memo");
      memcpy(a, a0, sizeof a);
      memcpy(b, b0, sizeof b);
      int is = cold_train(id, layout, 'N', KM, KN, NR, a, lda, b, ldb);
      CHECK(is == 0, "wide targets id %lld: code %d", (long long)id, is);
      for (int r = 0; r < NR; r++)
        for (int j = 0; j < KN; j++) {
          double x = b[at(layout, j, r, ldb)], w = bl[at(layout, j, r, ldb)];
          CHECK(fabs(x - w) <= 1e-12 * fabs(w), "wide targets id %lld layout %d x(%d,%d) = %g, LAPACKE %g",
                (long long)id, layout, j, r, x, w);
        }
      if (id >= 0) {
        memcpy(b, b0, sizeof b);
        CHECK(incre_train(id, layout, 'N', KM, KN, NR, a0, lda, b, ldb) == SIA_ENOMEMO,
              "wide targets: a memo was kept that cannot hold the small column");
      }
    }
    /* A memo whose small column is in range refuses new rows that would
     * scale it out of range (SIA_ECOLD), writing nothing. */
    for (int i = 0; i < KM; i++) b[at(layout, i, 0, ldb)] = b0[at(layout, i, 0, ldb)] * 1e-200;
    memcpy(a, a0, sizeof a);
    CHECK(cold_train(78, layout, 'N', KM, KN, NR, a, lda, b, ldb) == 0, "small-scale memo");
    memcpy(b, b0, sizeof b);
    int rc = incre_train(78, layout, 'N', KM, KN, NR, a0, lda, b, ldb);
    CHECK(rc == SIA_ECOLD, "wide targets: incre_train %d, want SIA_ECOLD", rc);
    CHECK(memcmp(b, b0, sizeof b) == 0, "a refused incre_train wrote b");
    sia_memo_clear();
  }
}

int main(void) {
  for (int j = 0; j < N; j++) CS[j] = 1;
  wide_targets();
  for (int i = 0; i < MT; i++) {
    for (int j = 0; j < N - 1; j++) A0[i + j * MT] = rng_uniform();
    A0[i + (N - 1) * MT] = 1; /* bias */
    for (int r = 0; r < NRHS; r++) B0[i + r * MT] = rng_uniform() * 4;
  }
  const char *engines[] = {"cpu", "opencl"};
  for (int e = 0; e < 2; e++) {
    if (sia_device_select(engines[e]) != 0) {
      CHECK(!getenv("SIA_REQUIRE_OPENCL"), "SIA_REQUIRE_OPENCL is set but OpenCL cannot be selected");
      printf("test_extremes: no OpenCL device; the OpenCL engine is not tested\n");
      continue;
    }
    scaled_matrix(engines[e], 0);
    scaled_matrix(engines[e], 1);
    if (e == 1) {
      /* The OpenCL half must have run on the device, never falling back. */
      char buf[8192];
      const char *line;
      int dev = -1, routed = -1, fell = -1;
      CHECK(sia_device_describe(buf, sizeof buf) >= 0, "describe");
      if ((line = strstr(buf, "opencl jobs: ")))
        sscanf(line, "opencl jobs: %d on device, %d routed to cpu (unsupported), %d fallbacks", &dev, &routed, &fell);
      CHECK(dev > 0 && fell == 0, "OpenCL engine: %d jobs on the device, %d fallbacks", dev, fell);
    }
  }
  sia_device_select("cpu");
  zeros();
  printf("mixed column scales 1e-155..1e155: %d documented refusals (SIA_ECOLD) of decre_train/incre_train_shifted\n", refusals);
  int differ, zeros;
  rank_deficient(&differ, &zeros);
  printf("rank-deficient URL keys: codes differ in %d of 400 models; all %d codes 0 (of both libraries) came with "
         "weights above 1e10; with sia_set_rcond(1e-10) libsia matched LAPACKE_dgelss in all 400\n",
         differ, zeros);
  printf("| entry point | 1 | 1e150 | 1e-150 | 1e295 | 1e-295 | 1e300 | 1e-300 | 1e-310 | 1e-315 | DBL_MAX/n |\n");
  printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int path = 0; path < NPATH; path++) {
    printf("| %s |", path_name[path]);
    for (int c = 0; c <= 9; c++) printf(" %.0e / %.0e |", worst_sia[path][c], worst_lapack[path][c]);
    printf("\n");
  }
  return check_done("test_extremes");
}
