/* kernels.cl -- libsia's training kernel in OpenCL C 1.2, double precision.
 *
 * sia_update: one job (model) per sub-group of `sub` work-items, SIA_WG/sub
 * jobs per work-group (sub is a kernel argument: a power of two dividing
 * SIA_WG, at least SIA_SUBMIN; on FPGAs and by default sub = SIA_WG, one job
 * per group). Job j's augmented factor T = [R | Q^T b] (n x nc, nc = n +
 * nrhs, row-major) and its new rows W = [A_new | b_new] (k x nc, column-
 * major per job) are updated by the structured Householder QR of [T; W], as
 * the CPU engine's Tpqrt: reflector c is built from T(c,c) and column c of
 * W, and touches row c of T and W only. The squared norms of W's
 * transformed right-hand-side columns are added to the job's residual sums
 * of squares; with "solve" set, the sub-group's first work-item checks the
 * diagonal (info = i+1 for the first exactly zero R(i,i)) and back-
 * substitutes X (n x nrhs, row-major).
 *
 * Each work-item owns a set of rows of W: a contiguous block (SIA_STRIDED
 * 0: what CPUs vectorise) or every sub-th row (SIA_STRIDED 1: neighbouring
 * work-items read neighbouring doubles of a column, coalesced on GPUs). Per
 * reflector, the sub-group reduces the column norm (dnrm2-safe, see
 * local_ssq) and the trailing dot products, SIA_CTILE columns at a time,
 * through local memory, and the reflector is formed as dlarfg forms it
 * (rescaled when |beta| is below the safe minimum), so data from denormal
 * to near-overflow magnitudes is handled as on the CPU. Loops are bounded
 * by compile-time constants (n + nrhs <= SIA_NCMAX, default 256) and the
 * work-group size is fixed (SIA_WG, default 16, reqd_work_group_size), as
 * FPGA compilers want; local memory is (SIA_WG + SIA_WG/SIA_SUBMIN) *
 * SIA_CTILE + 8 * SIA_WG/SIA_SUBMIN doubles (with the defaults, SIA_CTILE =
 * SIA_NCMAX and SIA_SUBMIN = SIA_WG: 34 KiB, the layout of earlier
 * versions). All loops with barriers run the same number of times in every
 * work-item of a group (bounds are the group's largest n, nrhs, nc), as
 * PoCL and the specification require.
 *
 * sia_config writes the constants a program was built with, so that the
 * host can run a precompiled binary (the FPGA route) with the right work-
 * group size and tile without being told.
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#ifndef SIA_NCMAX
#define SIA_NCMAX 256
#endif
#ifndef SIA_WG
#define SIA_WG 16
#endif
#ifndef SIA_CTILE
#define SIA_CTILE SIA_NCMAX
#endif
#ifndef SIA_STRIDED
#define SIA_STRIDED 0
#endif
#ifndef SIA_SUBMIN
#define SIA_SUBMIN SIA_WG
#endif
#define SIA_JPGMAX (SIA_WG / SIA_SUBMIN)
#if SIA_CTILE < 2 || SIA_JPGMAX < 1 || SIA_WG % SIA_SUBMIN != 0
#error "bad SIA_CTILE, SIA_WG or SIA_SUBMIN"
#endif

/* The rows of W a work-item owns: r0, r0 + rstep, ... below r1. */
#define ROWS(r) for (int r = r0; r < r1; r += rstep)

/* Safe ranges, as the CPU engine's (device/cpu: level1.go's nrm2 and
 * larfg.go): a sum of squares outside [NRM2_SMALL, NRM2_BIG] is recomputed
 * scaled, so that neither overflow nor underflow loses the norm; a reflector
 * whose |beta| is below SAFMIN (dlamch('S')/dlamch('E')) is formed from
 * rescaled data, as LAPACK's dlarfg does. */
#define NRM2_SMALL 0x1p-500
#define NRM2_BIG 0x1p+500
#define SAFMIN 0x1p-969
#define RSAFMN 0x1p+969

/* local_ssq: this work-item's share of a column's norm (its rows r0,
 * r0 + rstep, ... below r1), as (scale, ssq) with share = scale^2 * ssq
 * (LAPACK's dlassq representation). The fast path is the plain sum of
 * squares (scale 1); a sum outside the safe range (or 0, which underflow
 * can fake) is recomputed with the classic scaled loop, as the CPU
 * engine's nrm2. No barriers: the sub-group's first work-item combines the
 * shares (combine_ssq). */
static void local_ssq(__global const double *v, int r0, int r1, int rstep, double *scale, double *ssq) {
  double ss = 0.0;
  ROWS(r) ss += v[r] * v[r];
  if (ss > NRM2_SMALL && ss < NRM2_BIG) {
    *scale = 1.0;
    *ssq = ss;
    return;
  }
  double sc = 0.0, sq = 1.0;
  ROWS(r) {
    if (v[r] == 0.0) continue;
    const double a = fabs(v[r]);
    if (sc < a) {
      sq = 1.0 + sq * (sc / a) * (sc / a);
      sc = a;
    } else {
      sq += (a / sc) * (a / sc);
    }
  }
  *scale = sc;
  *ssq = sc > 0.0 ? sq : 0.0;
}

/* combine_ssq: the norm from a sub-group's shares (scale in part[i], ssq
 * in part[sub + i], i < sub). */
static double combine_ssq(__local const double *part, int sub) {
  double smax = 0.0;
  for (int i = 0; i < SIA_WG && i < sub; i++) smax = fmax(smax, part[i]);
  if (smax == 0.0) return 0.0;
  double t = 0.0;
  for (int i = 0; i < SIA_WG && i < sub; i++)
    if (part[i] > 0.0) t += part[sub + i] * (part[i] / smax) * (part[i] / smax);
  return smax * sqrt(t);
}

__kernel __attribute__((reqd_work_group_size(SIA_WG, 1, 1)))
void sia_update(__global const int *meta,   /* per job: n, nrhs, k, solve */
                __global const long *offs,  /* per job: offsets of T, W, X, RSS */
                __global double *T, __global double *W, __global double *X,
                __global double *RSS, __global int *INFO,
                const int njobs,            /* jobs in the launch */
                const int sub) {            /* work-items per job */
  const int lid = get_local_id(0);
  const int jpg = SIA_WG / sub;
  const int slot = lid / sub, sl = lid - slot * sub;
  const int first = get_group_id(0) * jpg;
  const int job = first + slot;
  const int live = job < njobs;
  const int n = live ? meta[4 * job] : 0, nrhs = live ? meta[4 * job + 1] : 0;
  const int k = live ? meta[4 * job + 2] : 0, solve = live ? meta[4 * job + 3] : 0;
  const int nc = n + nrhs;
  /* The group's largest n, nrhs and nc bound the loops that hold barriers. */
  int gn = 0, gnrhs = 0, gnc = 0;
  for (int s = 0; s < SIA_JPGMAX && s < jpg && first + s < njobs; s++) {
    const int js = first + s;
    gn = max(gn, meta[4 * js]);
    gnrhs = max(gnrhs, meta[4 * js + 1]);
    gnc = max(gnc, meta[4 * js] + meta[4 * js + 1]);
  }
  __global double *t = live ? T + offs[4 * job] : T;
  __global double *w = live ? W + offs[4 * job + 1] : W;
  __global double *x = live ? X + offs[4 * job + 2] : X;
  __global double *rss = live ? RSS + offs[4 * job + 3] : RSS;

  __local double part_all[SIA_WG * SIA_CTILE];
  __local double sv_all[SIA_JPGMAX * SIA_CTILE];
  __local double sc_all[SIA_JPGMAX * 8];
  __local double *part = part_all + slot * sub * SIA_CTILE; /* sub x SIA_CTILE */
  __local double *sv = sv_all + slot * SIA_CTILE;
  __local double *sc = sc_all + slot * 8;

#if SIA_STRIDED
  const int r0 = sl, r1 = k, rstep = sub;
#else
  const int per = (k + sub - 1) / sub;
  const int r0 = min(k, sl * per), r1 = min(k, r0 + per), rstep = 1;
#endif

  for (int j = 0; j < SIA_NCMAX && j < gn; j++) {
    /* Reflector j of this job, if it has one (j < n); the sub-groups whose
     * job is smaller only keep the barriers company. */
    const int has = j < n;
    __global double *v = w + (long)j * k;
    /* The reflector of [T(j,j); v], as LAPACK's dlarfg (CPU: Larfg): the
     * sub-group's scaled norm of v, then its first work-item decides whether
     * |beta| is below the safe minimum (knt rescalings of v, alpha and
     * beta, at most 20) and broadcasts; every work-item rescales its rows
     * and the norm is taken again; the first work-item forms tau, scal and
     * beta. Every barrier is reached by all work-items (PoCL needs that). */
    double scale = 0.0, ssq = 0.0;
    if (has) local_ssq(v, r0, r1, rstep, &scale, &ssq);
    part[sl] = scale;
    part[sub + sl] = ssq;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (sl == 0) {
      double xnorm = 0.0, alpha = 0.0;
      int knt = 0;
      if (has) {
        xnorm = combine_ssq(part, sub);
        alpha = t[j * nc + j];
        if (xnorm > 0.0) {
          double beta = -copysign(hypot(alpha, xnorm), alpha);
          while (fabs(beta) < SAFMIN && knt < 20) {
            knt++;
            beta *= RSAFMN;
            alpha *= RSAFMN;
          }
        }
      }
      sc[0] = xnorm;
      sc[1] = alpha;
      sc[2] = (double)knt;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int knt = (int)sc[2];
    if (knt > 0) {
      ROWS(r) for (int q = 0; q < knt; q++) v[r] *= RSAFMN;
      local_ssq(v, r0, r1, rstep, &scale, &ssq);
    }
    part[sl] = scale; /* unchanged when knt == 0 */
    part[sub + sl] = ssq;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (sl == 0) {
      double tau = 0.0, scal = 0.0;
      if (has) {
        const double xnorm = knt > 0 ? combine_ssq(part, sub) : sc[0];
        const double alpha = sc[1];
        if (xnorm > 0.0) {
          double beta = -copysign(hypot(alpha, xnorm), alpha);
          tau = (beta - alpha) / beta;
          scal = 1.0 / (alpha - beta);
          for (int q = 0; q < knt; q++) beta *= SAFMIN;
          t[j * nc + j] = beta;
        }
      }
      sc[3] = tau;
      sc[4] = scal;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const double tau = sc[3], scal = sc[4];
    /* tau is uniform across the sub-group; every barrier below is reached
     * by all work-items whatever its value (no early continue). */
    const int active = tau != 0.0;
    if (active) ROWS(r) v[r] *= scal;
    /* The trailing columns, SIA_CTILE at a time: partial dot products with
     * v, reduced per column into the update of T's row j, then applied to
     * the work-item's rows. */
    for (int c0 = j + 1; c0 < SIA_NCMAX && c0 < gnc; c0 += SIA_CTILE) {
      for (int c = c0; c < c0 + SIA_CTILE && c < SIA_NCMAX && c < gnc; c++) {
        double p = 0.0;
        if (active && c < nc) {
          __global const double *wc = w + (long)c * k;
          ROWS(r) p += v[r] * wc[r];
        }
        part[sl * SIA_CTILE + (c - c0)] = p;
      }
      barrier(CLK_LOCAL_MEM_FENCE);
      if (has)
        for (int c = c0 + sl; c < c0 + SIA_CTILE && c < SIA_NCMAX && c < nc; c += sub) {
          double s = t[j * nc + c];
          for (int i = 0; i < SIA_WG && i < sub; i++) s += part[i * SIA_CTILE + (c - c0)];
          s *= tau;
          t[j * nc + c] -= s;
          sv[c - c0] = s;
        }
      barrier(CLK_LOCAL_MEM_FENCE);
      if (active)
        for (int c = c0; c < c0 + SIA_CTILE && c < SIA_NCMAX && c < nc; c++) {
          __global double *wc = w + (long)c * k;
          const double s = sv[c - c0];
          ROWS(r) wc[r] -= s * v[r];
        }
      barrier(CLK_LOCAL_MEM_FENCE);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  for (int q = 0; q < SIA_NCMAX && q < gnrhs; q++) {
    double ss = 0.0;
    if (q < nrhs) {
      __global const double *wb = w + (long)(n + q) * k;
      ROWS(r) ss += wb[r] * wb[r];
    }
    part[sl] = ss;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (sl == 0 && q < nrhs) {
      double s = 0.0;
      for (int i = 0; i < SIA_WG && i < sub; i++) s += part[i];
      rss[q] += s;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  if (sl == 0 && live) {
    int info = 0;
    if (solve) {
      for (int i = 0; i < SIA_NCMAX && i < n; i++)
        if (t[i * nc + i] == 0.0) {
          info = i + 1;
          break;
        }
      if (info == 0)
        for (int q = 0; q < SIA_NCMAX && q < nrhs; q++)
          for (int i = n - 1; i >= 0; i--) {
            double s = t[i * nc + n + q];
            for (int c = i + 1; c < SIA_NCMAX && c < n; c++) s -= t[i * nc + c] * x[c * nrhs + q];
            x[i * nrhs + q] = s / t[i * nc + i];
          }
    }
    INFO[job] = info;
  }
}

/* sia_config: the compile-time constants of this program (one work-item):
 * a format version, SIA_WG, SIA_NCMAX, SIA_CTILE, SIA_STRIDED, SIA_SUBMIN. */
__kernel void sia_config(__global int *out) {
  if (get_global_id(0) == 0) {
    out[0] = 2;
    out[1] = SIA_WG;
    out[2] = SIA_NCMAX;
    out[3] = SIA_CTILE;
    out[4] = SIA_STRIDED;
    out[5] = SIA_SUBMIN;
  }
}
