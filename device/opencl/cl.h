/* cl.h -- the few OpenCL 1.2 types, constants and entry points libsia
 * uses, loaded at run time from libOpenCL.so.1 (no OpenCL headers or
 * library needed at build time; libsia.so links libc only). */
#ifndef SIA_CL_H
#define SIA_CL_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef uint64_t cl_bitfield;
typedef cl_bitfield cl_device_type;
typedef cl_bitfield cl_mem_flags;
typedef cl_bitfield cl_command_queue_properties;
typedef intptr_t cl_context_properties;
typedef cl_uint cl_platform_info;
typedef cl_uint cl_device_info;
typedef cl_uint cl_program_build_info;
typedef cl_uint cl_program_info;
typedef cl_uint cl_kernel_work_group_info;
typedef cl_uint cl_bool;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;

#define SIA_CL_PLATFORM_NAME 0x0902
#define SIA_CL_PLATFORM_VENDOR 0x0903
#define SIA_CL_PLATFORM_VERSION 0x0901
#define SIA_CL_DEVICE_TYPE 0x1000
#define SIA_CL_DEVICE_MAX_COMPUTE_UNITS 0x1002
#define SIA_CL_DEVICE_MAX_WORK_GROUP_SIZE 0x1004
#define SIA_CL_DEVICE_MAX_MEM_ALLOC_SIZE 0x1010
#define SIA_CL_DEVICE_GLOBAL_MEM_SIZE 0x101F
#define SIA_CL_DEVICE_LOCAL_MEM_SIZE 0x1023
#define SIA_CL_DEVICE_NAME 0x102B
#define SIA_CL_DEVICE_VENDOR 0x102C
#define SIA_CL_DEVICE_VERSION 0x102F
#define SIA_CL_DEVICE_EXTENSIONS 0x1030
#define SIA_CL_DEVICE_COMPILER_AVAILABLE 0x1028
#define SIA_CL_DEVICE_DOUBLE_FP_CONFIG 0x1032
#define SIA_CL_KERNEL_WORK_GROUP_SIZE 0x11B0
#define SIA_CL_DEVICE_TYPE_CPU (1 << 1)
#define SIA_CL_DEVICE_TYPE_GPU (1 << 2)
#define SIA_CL_DEVICE_TYPE_ACCELERATOR (1 << 3)
#define SIA_CL_DEVICE_TYPE_ALL 0xFFFFFFFF
#define SIA_CL_MEM_READ_WRITE (1 << 0)
#define SIA_CL_MEM_READ_ONLY (1 << 2)
#define SIA_CL_MEM_COPY_HOST_PTR (1 << 5)
#define SIA_CL_PROGRAM_BUILD_LOG 0x1183
#define SIA_CL_PROGRAM_BINARY_SIZES 0x1165
#define SIA_CL_PROGRAM_BINARIES 0x1166
#define SIA_CL_TRUE 1

/* Everything below is internal to libsia.so: hidden, so that the library
 * exports only what include/sia.h declares (make ctest checks). */
#pragma GCC visibility push(hidden)

/* sia_cl_load opens the ICD loader (path, or "libOpenCL.so.1" when NULL)
 * and resolves the entry points; once it succeeded it returns 0 at once.
 * On failure it returns -1 and writes a message into err. */
int sia_cl_load(const char *path, char *err, int errlen);

cl_int sia_clGetPlatformIDs(cl_uint n, cl_platform_id *ps, cl_uint *num);
cl_int sia_clGetPlatformInfo(cl_platform_id p, cl_platform_info what, size_t size, void *val, size_t *ret);
cl_int sia_clGetDeviceIDs(cl_platform_id p, cl_device_type t, cl_uint n, cl_device_id *ds, cl_uint *num);
cl_int sia_clGetDeviceInfo(cl_device_id d, cl_device_info what, size_t size, void *val, size_t *ret);
cl_context sia_clCreateContext(cl_device_id d, cl_int *err);
cl_command_queue sia_clCreateCommandQueue(cl_context c, cl_device_id d, cl_int *err);
cl_program sia_clCreateProgramWithSource(cl_context c, const char *src, size_t len, cl_int *err);
cl_program sia_clCreateProgramWithBinary(cl_context c, cl_device_id d, const unsigned char *bin, size_t len, cl_int *status, cl_int *err);
cl_int sia_clBuildProgram(cl_program p, cl_device_id d, const char *opts);
cl_int sia_clGetProgramBuildInfo(cl_program p, cl_device_id d, cl_program_build_info what, size_t size, void *val, size_t *ret);
cl_int sia_clGetProgramInfo(cl_program p, cl_program_info what, size_t size, void *val, size_t *ret);
cl_kernel sia_clCreateKernel(cl_program p, const char *name, cl_int *err);
cl_int sia_clSetKernelArg(cl_kernel k, cl_uint i, size_t size, const void *val);
cl_mem sia_clCreateBuffer(cl_context c, cl_mem_flags f, size_t size, void *host, cl_int *err);
cl_int sia_clEnqueueReadBuffer(cl_command_queue q, cl_mem m, size_t off, size_t size, void *dst);
cl_int sia_clGetKernelWorkGroupInfo(cl_kernel k, cl_device_id d, cl_kernel_work_group_info what, size_t size, void *val, size_t *ret);
cl_int sia_clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, size_t global, size_t local);
cl_int sia_clFinish(cl_command_queue q);
cl_int sia_clReleaseMemObject(cl_mem m);
cl_int sia_clReleaseKernel(cl_kernel k);
cl_int sia_clReleaseProgram(cl_program p);
cl_int sia_clReleaseCommandQueue(cl_command_queue q);
cl_int sia_clReleaseContext(cl_context c);

#pragma GCC visibility pop

#endif
