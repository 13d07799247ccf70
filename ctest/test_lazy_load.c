/* test_lazy_load.c -- loading libsia does not load OpenCL.
 *
 * libsia dlopens OpenCL only when it may use it: under the default device
 * ("auto") for a job of at least 1e6 flops, or when the program selects a
 * device or asks sia_device_describe. Loading libsia (or LD_PRELOADing the
 * LAPACK shim) and making small calls must not touch it: PoCL alone adds
 * ~65 MB of resident memory and ~0.1 s to every such process.
 *
 * The test re-runs itself as child processes, each reporting its resident
 * memory (VmRSS, peak VmHWM) and whether an OpenCL library (libOpenCL,
 * libpocl, a vendor ICD) is mapped (/proc/self/maps):
 *   call      one tiny cold_train under the default device
 *   call-cpu  the same with SIA_DEVICE=cpu
 *   shim      LAPACKE_dgels through libsia_lapack.so (dlopened from this
 *             program's directory), default device
 *   describe  the tiny call, then sia_device_describe
 * and requires: no OpenCL mapped after call and shim; call's peak resident
 * memory within LAZY_MAX_KB of call-cpu's; and, as the control that the
 * two probes can see OpenCL at all, when describe finds a device (PoCL
 * here; required with SIA_REQUIRE_OPENCL), OpenCL mapped after describe
 * and its peak more than LAZY_MAX_KB above call-cpu's. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sia.h"

enum { LAZY_MAX_KB = 2048 }; /* issue 24: at most 2 MB more than SIA_DEVICE=cpu */
enum { RUNS = 3 };           /* each child runs RUNS times; the median peak counts */

struct report {
  long rss_kb, hwm_kb;
  int opencl, devices;
};

static int opencl_mapped(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[4096];
  int found = 0;
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strstr(line, "libOpenCL") || strstr(line, "libpocl") || strstr(line, "libnvidia-opencl")) found = 1;
  fclose(f);
  return found;
}

static long status_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen(key);
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, n) && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
  fclose(f);
  return v;
}

/* The quick-start model: 6 keys of 2 bytes plus a bias column. */
static void tiny(double *a, double *b) {
  static const double a0[6 * 3] = {97, 97, 1, 97, 98, 1, 97, 122, 1, 98, 97, 1, 98, 99, 1, 99, 97, 1};
  memcpy(a, a0, sizeof a0);
  for (int i = 0; i < 6; i++) b[i] = i;
}

static int child(const char *mode, const char *dir) {
  double a[18], b[6];
  int devices = 0, rc;
  tiny(a, b);
  if (!strcmp(mode, "shim")) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/libsia_lapack.so", dir);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return fprintf(stderr, "dlopen %s: %s\n", path, dlerror()), 2;
    int (*gels)(int, char, int, int, int, double *, int, double *, int);
    *(void **)&gels = dlsym(h, "LAPACKE_dgels");
    if (!gels) return fprintf(stderr, "no LAPACKE_dgels in %s\n", path), 2;
    rc = gels(SIA_ROW_MAJOR, 'N', 6, 3, 1, a, 3, b, 1);
  } else {
    rc = cold_train(42, SIA_ROW_MAJOR, 'N', 6, 3, 1, a, 3, b, 1);
  }
  if (rc != 0) return fprintf(stderr, "%s: tiny call returned %d\n", mode, rc), 2;
  if (!strcmp(mode, "describe")) {
    char buf[8192];
    sia_device_describe(buf, sizeof buf);
    for (const char *p = buf; (p = strstr(p, "\ndevice: ")) != NULL; p++) devices++;
  }
  printf("%ld %ld %d %d\n", status_kb("VmRSS"), status_kb("VmHWM"), opencl_mapped(), devices);
  return 0;
}

static int cmp_long(const void *x, const void *y) {
  long a = *(const long *)x, b = *(const long *)y;
  return (a > b) - (a < b);
}

/* run runs this program as a child in mode, with SIA_DEVICE set to device
 * (NULL: unset), RUNS times, and returns the median peak with the last
 * run's other figures. */
static struct report run(const char *self, const char *mode, const char *device) {
  struct report r = {-1, -1, -1, -1};
  long hwm[RUNS];
  char cmd[PATH_MAX + 128];
  if (device)
    snprintf(cmd, sizeof cmd, "SIA_DEVICE=%s '%s' child %s", device, self, mode);
  else
    snprintf(cmd, sizeof cmd, "env -u SIA_DEVICE '%s' child %s", self, mode);
  for (int i = 0; i < RUNS; i++) {
    FILE *p = popen(cmd, "r");
    int got = p ? fscanf(p, "%ld %ld %d %d", &r.rss_kb, &hwm[i], &r.opencl, &r.devices) : 0;
    int st = p ? pclose(p) : -1;
    CHECK(got == 4 && st == 0, "child %s (SIA_DEVICE=%s) failed: status %d", mode, device ? device : "unset", st);
    if (got != 4 || st != 0) return r;
  }
  qsort(hwm, RUNS, sizeof hwm[0], cmp_long);
  r.hwm_kb = hwm[RUNS / 2];
  printf("%-8s SIA_DEVICE=%-5s VmRSS %6ld kB, VmHWM %6ld kB (median of %d), OpenCL mapped: %s",
         mode, device ? device : "unset", r.rss_kb, r.hwm_kb, RUNS, r.opencl ? "yes" : "no");
  if (!strcmp(mode, "describe")) printf(", %d device(s) listed", r.devices);
  printf("\n");
  return r;
}

int main(int argc, char **argv) {
  char self[PATH_MAX], dir[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return perror("readlink /proc/self/exe"), 2;
  self[n] = 0;
  snprintf(dir, sizeof dir, "%s", self);
  *strrchr(dir, '/') = 0;
  if (argc == 3 && !strcmp(argv[1], "child")) return child(argv[2], dir);

  struct report def = run(self, "call", NULL);
  struct report cpu = run(self, "call", "cpu");
  struct report shim = run(self, "shim", NULL);
  struct report desc = run(self, "describe", NULL);

  CHECK(def.opencl == 0, "loading libsia and one tiny cold_train under the default device mapped OpenCL");
  CHECK(shim.opencl == 0, "one tiny LAPACKE_dgels through the shim mapped OpenCL");
  CHECK(def.hwm_kb - cpu.hwm_kb <= LAZY_MAX_KB,
        "default device peaks at %ld kB, %ld kB above SIA_DEVICE=cpu (allowed %d)", def.hwm_kb,
        def.hwm_kb - cpu.hwm_kb, LAZY_MAX_KB);
  printf("default device - SIA_DEVICE=cpu: %+ld kB peak (allowed %+d)\n", def.hwm_kb - cpu.hwm_kb, LAZY_MAX_KB);
  if (desc.devices > 0) {
    /* The control: the probes above would have seen an eager load. */
    CHECK(desc.opencl == 1, "sia_device_describe listed %d device(s) but no OpenCL library is mapped", desc.devices);
    CHECK(desc.hwm_kb - cpu.hwm_kb > LAZY_MAX_KB,
          "loading OpenCL (describe) costs only %ld kB: the memory bound cannot tell an eager probe",
          desc.hwm_kb - cpu.hwm_kb);
  } else {
    CHECK(getenv("SIA_REQUIRE_OPENCL") == NULL, "SIA_REQUIRE_OPENCL is set but sia_device_describe lists no device");
    printf("no OpenCL device: the control (describe loads OpenCL) was not run\n");
  }
  return check_done("test_lazy_load");
}
