/* kernels.cl -- libsia's training kernel in OpenCL C 1.2, double precision.
 *
 * sia_update: one work-group per job (model). Job j's augmented factor
 * T = [R | Q^T b] (n x nc, nc = n + nrhs, row-major) and its new rows
 * W = [A_new | b_new] (k x nc, column-major) are updated by the structured
 * Householder QR of [T; W], as the CPU engine's Tpqrt: reflector c is built
 * from T(c,c) and column c of W, and touches row c of T and W only. The
 * squared norms of W's transformed right-hand-side columns are added to the
 * job's residual sums of squares; with "solve" set, work-item 0 checks the
 * diagonal (info = i+1 for the first exactly zero R(i,i)) and back-
 * substitutes X (n x nrhs, row-major).
 *
 * Each work-item owns a contiguous block of rows of W; per reflector, the
 * work-group reduces the column norm (dnrm2-safe, see local_ssq) and the
 * trailing dot products through local memory, and the reflector is formed
 * as dlarfg forms it (rescaled when |beta| is below the safe minimum), so
 * data from denormal to near-overflow magnitudes is handled as on the CPU. Loops over columns are bounded by the
 * compile-time SIA_NCMAX (n + nrhs <= SIA_NCMAX, default 256) and the
 * work-group size is fixed (SIA_WG, default 16), as FPGA compilers want;
 * local memory is SIA_WG * SIA_NCMAX doubles (32 KiB by default).
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#ifndef SIA_NCMAX
#define SIA_NCMAX 256
#endif
#ifndef SIA_WG
#define SIA_WG 16
#endif

/* Safe ranges, as the CPU engine's (device/cpu: level1.go's nrm2 and
 * larfg.go): a sum of squares outside [NRM2_SMALL, NRM2_BIG] is recomputed
 * scaled, so that neither overflow nor underflow loses the norm; a reflector
 * whose |beta| is below SAFMIN (dlamch('S')/dlamch('E')) is formed from
 * rescaled data, as LAPACK's dlarfg does. */
#define NRM2_SMALL 0x1p-500
#define NRM2_BIG 0x1p+500
#define SAFMIN 0x1p-969
#define RSAFMN 0x1p+969

/* local_ssq: this work-item's share of a column's norm, as (scale, ssq)
 * with share = scale^2 * ssq (LAPACK's dlassq representation). The fast
 * path is the plain sum of squares (scale 1); a sum outside the safe range
 * (or 0, which underflow can fake) is recomputed with the classic scaled
 * loop, as the CPU engine's nrm2. No barriers: work-item 0 combines the
 * shares (combine_ssq). */
static void local_ssq(__global const double *v, int r0, int r1, double *scale, double *ssq) {
  double ss = 0.0;
  for (int r = r0; r < r1; r++) ss += v[r] * v[r];
  if (ss > NRM2_SMALL && ss < NRM2_BIG) {
    *scale = 1.0;
    *ssq = ss;
    return;
  }
  double sc = 0.0, sq = 1.0;
  for (int r = r0; r < r1; r++) {
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

/* combine_ssq: the norm from the work-group's shares (scale in part[i],
 * ssq in part[SIA_WG + i]). */
static double combine_ssq(__local const double *part) {
  double smax = 0.0;
  for (int i = 0; i < SIA_WG; i++) smax = fmax(smax, part[i]);
  if (smax == 0.0) return 0.0;
  double t = 0.0;
  for (int i = 0; i < SIA_WG; i++)
    if (part[i] > 0.0) t += part[SIA_WG + i] * (part[i] / smax) * (part[i] / smax);
  return smax * sqrt(t);
}

__kernel __attribute__((reqd_work_group_size(SIA_WG, 1, 1)))
void sia_update(__global const int *meta,   /* per job: n, nrhs, k, solve */
                __global const long *offs,  /* per job: offsets of T, W, X, RSS */
                __global double *T, __global double *W, __global double *X,
                __global double *RSS, __global int *INFO) {
  const int job = get_group_id(0);
  const int lid = get_local_id(0);
  const int n = meta[4 * job], nrhs = meta[4 * job + 1], k = meta[4 * job + 2];
  const int solve = meta[4 * job + 3];
  const int nc = n + nrhs;
  __global double *t = T + offs[4 * job];
  __global double *w = W + offs[4 * job + 1];
  __global double *x = X + offs[4 * job + 2];
  __global double *rss = RSS + offs[4 * job + 3];

  __local double part[SIA_WG * SIA_NCMAX];
  __local double sv[SIA_NCMAX];
  __local double sc[8];

  const int per = (k + SIA_WG - 1) / SIA_WG;
  const int r0 = min(k, lid * per), r1 = min(k, r0 + per);

  for (int j = 0; j < SIA_NCMAX && j < n; j++) {
    __global double *v = w + (long)j * k;
    /* The reflector of [T(j,j); v], as LAPACK's dlarfg (CPU: Larfg): the
     * group's scaled norm of v, then work-item 0 decides whether |beta| is
     * below the safe minimum (knt rescalings of v, alpha and beta, at most
     * 20) and broadcasts; every work-item rescales its rows and the norm is
     * taken again; work-item 0 forms tau, scal and beta. Every barrier is
     * reached by all work-items (PoCL needs that). */
    double scale, ssq;
    local_ssq(v, r0, r1, &scale, &ssq);
    part[lid] = scale;
    part[SIA_WG + lid] = ssq;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
      const double xnorm = combine_ssq(part);
      double alpha = t[j * nc + j];
      int knt = 0;
      if (xnorm > 0.0) {
        double beta = -copysign(hypot(alpha, xnorm), alpha);
        while (fabs(beta) < SAFMIN && knt < 20) {
          knt++;
          beta *= RSAFMN;
          alpha *= RSAFMN;
        }
      }
      sc[0] = xnorm;
      sc[1] = alpha;
      sc[2] = (double)knt;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int knt = (int)sc[2];
    if (knt > 0) {
      for (int r = r0; r < r1; r++)
        for (int q = 0; q < knt; q++) v[r] *= RSAFMN;
      local_ssq(v, r0, r1, &scale, &ssq);
    }
    part[lid] = scale; /* unchanged when knt == 0 */
    part[SIA_WG + lid] = ssq;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
      const double xnorm = knt > 0 ? combine_ssq(part) : sc[0];
      const double alpha = sc[1];
      double tau = 0.0, scal = 0.0;
      if (xnorm > 0.0) {
        double beta = -copysign(hypot(alpha, xnorm), alpha);
        tau = (beta - alpha) / beta;
        scal = 1.0 / (alpha - beta);
        for (int q = 0; q < knt; q++) beta *= SAFMIN;
        t[j * nc + j] = beta;
      }
      sc[3] = tau;
      sc[4] = scal;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const double tau = sc[3], scal = sc[4];
    /* tau is uniform across the group; every barrier below is reached by
     * all work-items whatever its value (no early continue). */
    const int active = tau != 0.0;
    if (active)
      for (int r = r0; r < r1; r++) v[r] *= scal;
    for (int c = j + 1; c < SIA_NCMAX && c < nc; c++) {
      __global const double *wc = w + (long)c * k;
      double p = 0.0;
      if (active)
        for (int r = r0; r < r1; r++) p += v[r] * wc[r];
      part[lid * SIA_NCMAX + c] = p;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int c = j + 1 + lid; c < SIA_NCMAX && c < nc; c += SIA_WG) {
      double s = t[j * nc + c];
      for (int i = 0; i < SIA_WG; i++) s += part[i * SIA_NCMAX + c];
      s *= tau;
      t[j * nc + c] -= s;
      sv[c] = s;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (active)
      for (int c = j + 1; c < SIA_NCMAX && c < nc; c++) {
        __global double *wc = w + (long)c * k;
        const double s = sv[c];
        for (int r = r0; r < r1; r++) wc[r] -= s * v[r];
      }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  for (int q = 0; q < SIA_NCMAX && q < nrhs; q++) {
    __global const double *wb = w + (long)(n + q) * k;
    double ss = 0.0;
    for (int r = r0; r < r1; r++) ss += wb[r] * wb[r];
    part[lid] = ss;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
      double s = 0.0;
      for (int i = 0; i < SIA_WG; i++) s += part[i];
      rss[q] += s;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  if (lid == 0) {
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
