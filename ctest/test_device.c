/* test_device.c -- sia_train_batch and the device selection through
 * libsia.so: batches on the CPU engine and, when an OpenCL device is
 * present (PoCL in CI), on the OpenCL engine, each job compared with
 * LAPACKE_dgels on all of its model's rows; afterwards the host's POCL_*
 * and SIA_* variables and signal dispositions must be as they were. */
#include <dirent.h>
#include <lapacke.h>
#include <signal.h>
#include <string.h>

#include "check.h"
#include "sia.h"

enum { MODELS = 6, N = 17, ROWS = 2000 };

static double A[MODELS][ROWS * N], B[MODELS][ROWS];
static int used[MODELS];

static void setup(void) {
  sia_memo_clear();
  for (int md = 0; md < MODELS; md++) {
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < N - 1; j++) A[md][i * N + j] = (double)((unsigned)((rng_uniform() + 1) * 128) & 255);
      A[md][i * N + N - 1] = 1;
      B[md][i] = rng_uniform() * 1000;
    }
    double a[60 * N], b[60];
    memcpy(a, A[md], sizeof a), memcpy(b, B[md], sizeof b);
    CHECK(cold_train(md, SIA_ROW_MAJOR, 'N', 60, N, 1, a, N, b, 1) == 0, "cold %d", md);
    used[md] = 60;
  }
}

static double reldiff_ref(int md, const double *x) {
  static double a[ROWS * N], b[ROWS];
  int m = used[md];
  memcpy(a, A[md], (size_t)m * N * sizeof(double)), memcpy(b, B[md], (size_t)m * sizeof(double));
  CHECK(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', m, N, 1, a, N, b, 1) == 0, "dgels");
  double d = 0, s = 0;
  for (int j = 0; j < N; j++) d += (x[j] - b[j]) * (x[j] - b[j]), s += b[j] * b[j];
  return sqrt(d / s);
}

static void run_batch(const char *engine) {
  setup();
  /* Model 0 appears three times (applied in order), model 5 twice; one job
   * names a model with no memo, one has an illegal lda. */
  const int ids[] = {0, 1, 2, 0, 3, 4, 5, 0, 5, 42, 1};
  const int count = sizeof ids / sizeof ids[0];
  struct sia_job jobs[16];
  static double bufs[16][400];
  for (int q = 0; q < count; q++) {
    int md = ids[q] < MODELS ? ids[q] : 0;
    int k = 1 + q * 37 % 300;
    struct sia_job *j = &jobs[q];
    j->model_id = ids[q];
    j->matrix_layout = SIA_ROW_MAJOR;
    j->m = k, j->n = N, j->nrhs = 1;
    j->a = &A[md][used[md] * N];
    j->lda = N;
    memcpy(bufs[q], &B[md][used[md]], (size_t)k * sizeof(double));
    j->b = bufs[q];
    j->ldb = 1;
    j->info = 12345;
    if (ids[q] < MODELS) used[md] += k;
  }
  jobs[count] = jobs[1];
  jobs[count].lda = 3; /* illegal: lda < n */
  int failed = sia_train_batch(jobs, count + 1);
  CHECK(failed == 2, "%s: %d failed jobs, want 2", engine, failed);
  CHECK(jobs[9].info == SIA_ENOMEMO, "%s: no memo -> %d", engine, jobs[9].info);
  CHECK(jobs[count].info == -7, "%s: bad lda -> %d", engine, jobs[count].info);
  /* The last job of each model holds the solution for all its rows. */
  int last[MODELS];
  for (int md = 0; md < MODELS; md++) last[md] = -1;
  for (int q = 0; q < count; q++)
    if (ids[q] < MODELS) {
      CHECK(jobs[q].info == 0, "%s: job %d info %d", engine, q, jobs[q].info);
      last[ids[q]] = q;
    }
  for (int md = 0; md < MODELS; md++) {
    double d = reldiff_ref(md, jobs[last[md]].b);
    CHECK(d <= 1e-10, "%s: model %d vs LAPACKE_dgels on all rows: %g", engine, md, d);
  }
  CHECK(sia_train_batch(NULL, 3) == -1, "NULL jobs");
  CHECK(sia_train_batch(jobs, -1) == -2, "negative count");
  CHECK(sia_train_batch(jobs, 0) == 0, "empty batch");
}

/* The host's state libsia must leave alone: its POCL_* and SIA_* variables
 * (concatenated) and the dispositions of signals 1-31. */
extern char **environ;
static void host_env(char *out, size_t len) {
  out[0] = 0;
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "POCL_", 5) == 0 || strncmp(*e, "SIA_", 4) == 0) {
      strncat(out, *e, len - strlen(out) - 2);
      strcat(out, ";");
    }
}
static void host_signals(struct sigaction sa[32]) {
  memset(sa, 0, 32 * sizeof *sa);
  for (int s = 1; s < 32; s++)
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, NULL, &sa[s]);
}

/* Open file descriptors and resident bytes of this process. */
static long open_fds(void) {
  long n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}
static long rss_bytes(void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = -1;
  if (f) fclose(f);
  return rss * 4096;
}

/* 1 000 reselections of the OpenCL engine (each replaced engine is
 * released once idle) leave file descriptors and resident memory within a
 * bound: 2 fds, 24 MiB. Without the release every PoCL engine kept ~1 MiB
 * (and 1 000 selections took two minutes of program builds). */
static void reselect_many(void) {
  long fd0 = 0, rss0 = 0;
  for (int i = 0; i < 1020; i++) {
    if (i == 20) fd0 = open_fds(), rss0 = rss_bytes();
    /* Engines on one device share their device objects: every 100th
     * selection of the CPU releases them all, rebuilt at the next one. */
    const char *spec = i % 100 == 99 ? "cpu" : i % 2 ? "opencl" : "opencl:0:0";
    CHECK(sia_device_select(spec) == 0, "reselect %d: %s", i, spec);
    if (i % 100 == 1) run_batch("opencl, reselected");
  }
  long fd1 = open_fds(), rss1 = rss_bytes();
  printf("reselect: 1000 selections, fds %ld -> %ld, RSS %.1f -> %.1f MiB\n", fd0, fd1, rss0 / 1048576.0,
         rss1 / 1048576.0);
  CHECK(fd0 > 0 && fd1 - fd0 <= 2, "open fds grew from %ld to %ld", fd0, fd1);
  CHECK(rss1 - rss0 <= 24L << 20, "RSS grew from %ld to %ld bytes", rss0, rss1);
}

int main(void) {
  static char env0[8192], env1[8192];
  struct sigaction sig0[32], sig1[32];
  host_env(env0, sizeof env0);
  host_signals(sig0);
  char buf[4096];
  int len = sia_device_describe(buf, sizeof buf);
  CHECK(len > 0 && (size_t)len == strlen(buf), "describe: %d", len);
  char small[8];
  CHECK(sia_device_describe(small, sizeof small) == len && strlen(small) == 7, "truncation");
  CHECK(sia_device_describe(NULL, 0) == len, "length query");
  CHECK(sia_device_describe(small, -1) == -1, "negative size");
  CHECK(sia_device_select("no-such-engine") == SIA_ENODEVICE, "bad spec");
  CHECK(sia_device_select("opencl:9:9") == SIA_ENODEVICE, "missing device");
  CHECK(sia_device_select(NULL) == -1, "NULL spec");

  CHECK(sia_device_select("cpu") == 0, "cpu");
  run_batch("cpu");
  sia_set_threads(2);
  CHECK(sia_device_describe(buf, sizeof buf) > 0 && strstr(buf, "cpu engine: 2 worker(s)") != NULL, "threads: %s", buf);
  run_batch("cpu, 2 workers");
  sia_set_threads(1);

  if (sia_device_select("opencl") == 0) {
    run_batch("opencl");
    sia_device_describe(buf, sizeof buf);
    printf("%s", buf);
    /* The batch ran on the device: jobs counted there, none fell back. */
    const char *jobs_line = strstr(buf, "opencl jobs: ");
    long on_device = 0, routed = 0, fallbacks = -1;
    CHECK(jobs_line && sscanf(jobs_line, "opencl jobs: %ld on device, %ld routed to cpu (unsupported), %ld fallbacks",
                              &on_device, &routed, &fallbacks) == 3,
          "describe lacks the OpenCL counters");
    CHECK(on_device > 0, "no job ran on the OpenCL device");
    CHECK(fallbacks == 0, "%ld jobs fell back after device failures", fallbacks);
    reselect_many();
  } else if (getenv("SIA_REQUIRE_OPENCL")) {
    CHECK(0, "SIA_REQUIRE_OPENCL is set but no OpenCL device could be selected");
  } else {
    printf("test_device: no OpenCL device; OpenCL batch skipped\n");
  }
  CHECK(sia_device_select("auto") == 0, "auto");
  run_batch("auto");
  /* Device discovery, OpenCL engines and training left the host as it was. */
  host_env(env1, sizeof env1);
  CHECK(strcmp(env0, env1) == 0, "environment changed: before \"%s\", after \"%s\"", env0, env1);
  host_signals(sig1);
  /* glibc's sigaction adds the kernel's SA_RESTORER (0x04000000, its
   * return trampoline) to every disposition it sets, SIG_DFL included:
   * that bit says nothing about the disposition. */
  const int restorer = 0x04000000;
  for (int s = 1; s < 32; s++)
    CHECK(sig0[s].sa_sigaction == sig1[s].sa_sigaction && (sig0[s].sa_flags | restorer) == (sig1[s].sa_flags | restorer),
          "disposition of signal %d changed: handler %p flags %#x, was %p flags %#x", s, (void *)sig1[s].sa_sigaction,
          (unsigned)sig1[s].sa_flags, (void *)sig0[s].sa_sigaction, (unsigned)sig0[s].sa_flags);
  return check_done("test_device");
}
