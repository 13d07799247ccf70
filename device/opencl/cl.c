/* cl.c -- run-time loading of the OpenCL ICD loader and thin wrappers
 * that cgo can call (Go cannot call C function pointers directly). */
#include "cl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#define FN(ret, name, args) typedef ret(*name##_t) args; static name##_t p_##name;
FN(cl_int, clGetPlatformIDs, (cl_uint, cl_platform_id *, cl_uint *))
FN(cl_int, clGetPlatformInfo, (cl_platform_id, cl_platform_info, size_t, void *, size_t *))
FN(cl_int, clGetDeviceIDs, (cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *))
FN(cl_int, clGetDeviceInfo, (cl_device_id, cl_device_info, size_t, void *, size_t *))
FN(cl_context, clCreateContext, (const cl_context_properties *, cl_uint, const cl_device_id *, void *, void *, cl_int *))
FN(cl_command_queue, clCreateCommandQueue, (cl_context, cl_device_id, cl_command_queue_properties, cl_int *))
FN(cl_program, clCreateProgramWithSource, (cl_context, cl_uint, const char **, const size_t *, cl_int *))
FN(cl_program, clCreateProgramWithBinary, (cl_context, cl_uint, const cl_device_id *, const size_t *, const unsigned char **, cl_int *, cl_int *))
FN(cl_int, clBuildProgram, (cl_program, cl_uint, const cl_device_id *, const char *, void *, void *))
FN(cl_int, clGetProgramBuildInfo, (cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *))
FN(cl_int, clGetProgramInfo, (cl_program, cl_program_info, size_t, void *, size_t *))
FN(cl_kernel, clCreateKernel, (cl_program, const char *, cl_int *))
FN(cl_int, clGetKernelWorkGroupInfo, (cl_kernel, cl_device_id, cl_kernel_work_group_info, size_t, void *, size_t *))
FN(cl_int, clSetKernelArg, (cl_kernel, cl_uint, size_t, const void *))
FN(cl_mem, clCreateBuffer, (cl_context, cl_mem_flags, size_t, void *, cl_int *))
FN(cl_int, clEnqueueReadBuffer, (cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint, const cl_event *, cl_event *))
FN(cl_int, clEnqueueNDRangeKernel, (cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *, cl_uint, const cl_event *, cl_event *))
FN(cl_int, clFinish, (cl_command_queue))
FN(cl_int, clReleaseMemObject, (cl_mem))
FN(cl_int, clReleaseKernel, (cl_kernel))
FN(cl_int, clReleaseProgram, (cl_program))
FN(cl_int, clReleaseCommandQueue, (cl_command_queue))
FN(cl_int, clReleaseContext, (cl_context))

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int loaded = 0;

int sia_cl_load(const char *path, char *err, int errlen) {
  pthread_mutex_lock(&load_mu);
  if (loaded) {
    pthread_mutex_unlock(&load_mu);
    return 0;
  }
  /* Never dlclose: PoCL keeps threads running inside the library. */
  void *h = dlopen(path ? path : "libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(err, errlen, "no OpenCL ICD loader: %s", dlerror());
    pthread_mutex_unlock(&load_mu);
    return -1;
  }
#define SYM(name)                                                       \
  p_##name = (name##_t)dlsym(h, #name);                                 \
  if (!p_##name) {                                                      \
    snprintf(err, errlen, "OpenCL loader lacks %s", #name);             \
    pthread_mutex_unlock(&load_mu);                                     \
    return -1;                                                          \
  }
  SYM(clGetPlatformIDs) SYM(clGetPlatformInfo) SYM(clGetDeviceIDs) SYM(clGetDeviceInfo)
  SYM(clCreateContext) SYM(clCreateCommandQueue) SYM(clCreateProgramWithSource)
  SYM(clCreateProgramWithBinary) SYM(clBuildProgram) SYM(clGetProgramBuildInfo)
  SYM(clGetProgramInfo) SYM(clCreateKernel) SYM(clGetKernelWorkGroupInfo) SYM(clSetKernelArg) SYM(clCreateBuffer)
  SYM(clEnqueueReadBuffer) SYM(clEnqueueNDRangeKernel) SYM(clFinish) SYM(clReleaseMemObject)
  SYM(clReleaseKernel) SYM(clReleaseProgram) SYM(clReleaseCommandQueue) SYM(clReleaseContext)
#undef SYM
  loaded = 1;
  pthread_mutex_unlock(&load_mu);
  return 0;
}

/* The host's signal dispositions are the host's. OpenCL drivers change
 * them as they initialise: PoCL (with its LLVM) installs handlers for
 * SIGFPE -- without SA_ONSTACK, which the Go runtime requires of every
 * handler that can run on its threads -- and for SIGINT, SIGTERM, SIGSEGV
 * and more, when its devices are first enumerated and when it compiles.
 * A library must not leave such changes behind (nor set environment
 * variables to prevent them: setenv races the host's getenv), so every
 * call below that may initialise a driver or run its compiler saves the
 * dispositions of the standard signals first and restores any that
 * changed when the call returns. A host thread's own sigaction running
 * concurrently with such a call (discovery, engine creation, a launch) may
 * be undone; libsia makes these calls only from sia_device_select,
 * sia_device_describe and training calls on an OpenCL engine. */
enum { SIG_GUARDED = 32 };
typedef struct {
  struct sigaction sa[SIG_GUARDED];
  unsigned char ok[SIG_GUARDED];
} sig_state;

static void sig_save(sig_state *s) {
  for (int i = 1; i < SIG_GUARDED; i++)
    s->ok[i] = i != SIGKILL && i != SIGSTOP && sigaction(i, NULL, &s->sa[i]) == 0;
}

static void sig_restore(const sig_state *s) {
  for (int i = 1; i < SIG_GUARDED; i++) {
    struct sigaction cur;
    if (!s->ok[i] || sigaction(i, NULL, &cur) != 0) continue;
    if (cur.sa_sigaction != s->sa[i].sa_sigaction || cur.sa_flags != s->sa[i].sa_flags) sigaction(i, &s->sa[i], NULL);
  }
}

/* GUARDED(type, call): evaluate call between sig_save and sig_restore. */
#define GUARDED(type, call) \
  sig_state st_;            \
  sig_save(&st_);           \
  type r_ = call;           \
  sig_restore(&st_);        \
  return r_;

cl_int sia_clGetPlatformIDs(cl_uint n, cl_platform_id *ps, cl_uint *num) { GUARDED(cl_int, p_clGetPlatformIDs(n, ps, num)) }
cl_int sia_clGetPlatformInfo(cl_platform_id p, cl_platform_info w, size_t s, void *v, size_t *r) { return p_clGetPlatformInfo(p, w, s, v, r); }
cl_int sia_clGetDeviceIDs(cl_platform_id p, cl_device_type t, cl_uint n, cl_device_id *ds, cl_uint *num) { GUARDED(cl_int, p_clGetDeviceIDs(p, t, n, ds, num)) }
cl_int sia_clGetDeviceInfo(cl_device_id d, cl_device_info w, size_t s, void *v, size_t *r) { return p_clGetDeviceInfo(d, w, s, v, r); }
cl_context sia_clCreateContext(cl_device_id d, cl_int *err) { GUARDED(cl_context, p_clCreateContext(NULL, 1, &d, NULL, NULL, err)) }
cl_command_queue sia_clCreateCommandQueue(cl_context c, cl_device_id d, cl_int *err) { GUARDED(cl_command_queue, p_clCreateCommandQueue(c, d, 0, err)) }
cl_program sia_clCreateProgramWithSource(cl_context c, const char *src, size_t len, cl_int *err) { GUARDED(cl_program, p_clCreateProgramWithSource(c, 1, &src, &len, err)) }
cl_program sia_clCreateProgramWithBinary(cl_context c, cl_device_id d, const unsigned char *bin, size_t len, cl_int *status, cl_int *err) {
  GUARDED(cl_program, p_clCreateProgramWithBinary(c, 1, &d, &len, &bin, status, err))
}
cl_int sia_clBuildProgram(cl_program p, cl_device_id d, const char *opts) { GUARDED(cl_int, p_clBuildProgram(p, 1, &d, opts, NULL, NULL)) }
cl_int sia_clGetProgramBuildInfo(cl_program p, cl_device_id d, cl_program_build_info w, size_t s, void *v, size_t *r) { return p_clGetProgramBuildInfo(p, d, w, s, v, r); }
cl_int sia_clGetProgramInfo(cl_program p, cl_program_info w, size_t s, void *v, size_t *r) { return p_clGetProgramInfo(p, w, s, v, r); }
cl_kernel sia_clCreateKernel(cl_program p, const char *name, cl_int *err) { GUARDED(cl_kernel, p_clCreateKernel(p, name, err)) }
cl_int sia_clGetKernelWorkGroupInfo(cl_kernel k, cl_device_id d, cl_kernel_work_group_info w, size_t s, void *v, size_t *r) { return p_clGetKernelWorkGroupInfo(k, d, w, s, v, r); }
cl_int sia_clSetKernelArg(cl_kernel k, cl_uint i, size_t s, const void *v) { return p_clSetKernelArg(k, i, s, v); }
cl_mem sia_clCreateBuffer(cl_context c, cl_mem_flags f, size_t s, void *h, cl_int *err) { return p_clCreateBuffer(c, f, s, h, err); }
cl_int sia_clEnqueueReadBuffer(cl_command_queue q, cl_mem m, size_t off, size_t s, void *dst) { return p_clEnqueueReadBuffer(q, m, SIA_CL_TRUE, off, s, dst, 0, NULL, NULL); }
/* A launch may compile (drivers finish building for a new work size) and a
 * finish runs it: both guarded. */
cl_int sia_clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, size_t global, size_t local) {
  GUARDED(cl_int, p_clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 0, NULL, NULL))
}
cl_int sia_clFinish(cl_command_queue q) { GUARDED(cl_int, p_clFinish(q)) }
cl_int sia_clReleaseMemObject(cl_mem m) { return p_clReleaseMemObject(m); }
cl_int sia_clReleaseKernel(cl_kernel k) { return p_clReleaseKernel(k); }
cl_int sia_clReleaseProgram(cl_program p) { return p_clReleaseProgram(p); }
cl_int sia_clReleaseCommandQueue(cl_command_queue q) { return p_clReleaseCommandQueue(q); }
cl_int sia_clReleaseContext(cl_context c) { return p_clReleaseContext(c); }
