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
 * work-group reduces the column norm and the trailing dot products through
 * local memory (three barriers). Loops over columns are bounded by the
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
  __local double sc[2];

  const int per = (k + SIA_WG - 1) / SIA_WG;
  const int r0 = min(k, lid * per), r1 = min(k, r0 + per);

  for (int j = 0; j < SIA_NCMAX && j < n; j++) {
    __global double *v = w + (long)j * k;
    double ss = 0.0;
    for (int r = r0; r < r1; r++) ss += v[r] * v[r];
    part[lid] = ss;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
      double xn2 = 0.0;
      for (int i = 0; i < SIA_WG; i++) xn2 += part[i];
      double alpha = t[j * nc + j], tau = 0.0, scal = 0.0;
      if (xn2 > 0.0) {
        double beta = -copysign(hypot(alpha, sqrt(xn2)), alpha);
        tau = (beta - alpha) / beta;
        scal = 1.0 / (alpha - beta);
        t[j * nc + j] = beta;
      }
      sc[0] = tau;
      sc[1] = scal;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const double tau = sc[0], scal = sc[1];
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
