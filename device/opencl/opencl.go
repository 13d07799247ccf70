// Package opencl is libsia's OpenCL training engine: FPGA boards, GPUs, and
// (through PoCL) CPUs, reached through a thin cgo binding of the OpenCL 1.2
// entry points it uses, loaded at run time with dlopen("libOpenCL.so.1") so
// that libsia.so needs no OpenCL to load.
//
// The kernel (kernels.cl, embedded) runs one work-group per job: the
// structured Householder update of [R | Qᵀb; A_new | b_new], the residual
// sums of squares and the triangular solve, in double precision — what the
// CPU engine does. Jobs it does not run (cold factorizations that must leave
// dgels's residual rows in b, downdates, shifted-target solves, the
// rank-revealing mode, n + nrhs above the kernel's compile-time maximum) and
// every job of a batch that fails on the device run on the CPU engine
// instead; Fallbacks counts them.
package opencl

/*
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "cl.h"
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

var loadOnce struct {
	sync.Mutex
	err  error
	done bool
}

// Load opens the OpenCL ICD loader: $SIA_OPENCL_LIB when set, otherwise
// libOpenCL.so.1. It never changes the process's environment: the driver
// runs with the host's settings (PoCL's POCL_* variables included) or its
// defaults, and the signal handlers drivers install while they initialise
// or compile are undone by the binding (cl.c). The result is cached: later
// calls return the first call's error.
func Load() error {
	loadOnce.Lock()
	defer loadOnce.Unlock()
	if loadOnce.done {
		return loadOnce.err
	}
	loadOnce.done = true
	var cpath *C.char
	if p := os.Getenv("SIA_OPENCL_LIB"); p != "" {
		cpath = C.CString(p)
		defer C.free(unsafe.Pointer(cpath))
	}
	var buf [512]C.char
	if C.sia_cl_load(cpath, &buf[0], C.int(len(buf))) != 0 {
		loadOnce.err = fmt.Errorf("opencl: %s", C.GoString(&buf[0]))
	}
	return loadOnce.err
}

// Device types, as CL_DEVICE_TYPE_*.
const (
	TypeCPU         = 1 << 1
	TypeGPU         = 1 << 2
	TypeAccelerator = 1 << 3
)

// Device describes one OpenCL device.
type Device struct {
	Platform, PlatformVendor, PlatformVersion string
	Name, Vendor, Version                     string
	Type                                      uint64
	PlatformIndex, DeviceIndex                int
	ComputeUnits                              int
	MaxWorkGroup                              int
	LocalMem, GlobalMem, MaxAlloc             uint64
	// FP64 is double precision as the kernel needs it (see fp64Capable):
	// the cl_khr_fp64 extension and a CL_DEVICE_DOUBLE_FP_CONFIG with
	// round-to-nearest, INF/NaN and denormals.
	FP64, Compiler bool
	// DoubleFPConfig is CL_DEVICE_DOUBLE_FP_CONFIG (0 when not reported).
	DoubleFPConfig uint64

	id C.cl_device_id
}

// TypeName returns "cpu", "gpu", "accelerator" or "other".
func (d *Device) TypeName() string {
	switch {
	case d.Type&TypeAccelerator != 0:
		return "accelerator"
	case d.Type&TypeGPU != 0:
		return "gpu"
	case d.Type&TypeCPU != 0:
		return "cpu"
	}
	return "other"
}

// Usable reports whether libsia's kernel can run on the device: double
// precision, and enough local memory for the kernel's tiles.
func (d *Device) Usable() bool {
	return d.FP64 && d.LocalMem >= localBytes && d.MaxWorkGroup >= WorkGroup
}

// String is a one-line description.
func (d *Device) String() string {
	return fmt.Sprintf("opencl:%d:%d %s %q (%s), %d CU, fp64 %t, local %d KiB, max alloc %d MiB, compiler %t",
		d.PlatformIndex, d.DeviceIndex, d.TypeName(), d.Name, d.Platform, d.ComputeUnits, d.FP64,
		d.LocalMem>>10, d.MaxAlloc>>20, d.Compiler)
}

// clErr formats an OpenCL error code.
func clErr(what string, code C.cl_int) error {
	return fmt.Errorf("opencl: %s: error %d", what, int(code))
}

// discoverMu serializes device discovery: the ICD loader's and PoCL's
// first-time platform initialization are not safe to run concurrently
// (two solvers probing at once crashed in clGetDeviceInfo).
var discoverMu sync.Mutex

// Devices lists every device of every platform. No loader, no platform
// (CL_PLATFORM_NOT_FOUND_KHR, -1001, or zero platforms) and platforms
// without devices are reported as an error or an empty list, never a crash.
// Calls are serialized.
func Devices() ([]Device, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	discoverMu.Lock()
	defer discoverMu.Unlock()
	var np C.cl_uint
	if rc := C.sia_clGetPlatformIDs(0, nil, &np); rc != 0 {
		if rc == -1001 {
			return nil, fmt.Errorf("opencl: no platform (CL_PLATFORM_NOT_FOUND_KHR): no driver installed")
		}
		return nil, clErr("clGetPlatformIDs", rc)
	}
	if np == 0 {
		return nil, nil
	}
	plats := make([]C.cl_platform_id, np)
	if rc := C.sia_clGetPlatformIDs(np, &plats[0], nil); rc != 0 {
		return nil, clErr("clGetPlatformIDs", rc)
	}
	var out []Device
	for pi, p := range plats {
		var nd C.cl_uint
		if rc := C.sia_clGetDeviceIDs(p, C.SIA_CL_DEVICE_TYPE_ALL, 0, nil, &nd); rc != 0 || nd == 0 {
			continue // CL_DEVICE_NOT_FOUND (-1): a platform without devices
		}
		ids := make([]C.cl_device_id, nd)
		if rc := C.sia_clGetDeviceIDs(p, C.SIA_CL_DEVICE_TYPE_ALL, nd, &ids[0], nil); rc != 0 {
			continue
		}
		for di, id := range ids {
			d := Device{
				Platform:        platformString(p, C.SIA_CL_PLATFORM_NAME),
				PlatformVendor:  platformString(p, C.SIA_CL_PLATFORM_VENDOR),
				PlatformVersion: platformString(p, C.SIA_CL_PLATFORM_VERSION),
				Name:            deviceString(id, C.SIA_CL_DEVICE_NAME),
				Vendor:          deviceString(id, C.SIA_CL_DEVICE_VENDOR),
				Version:         deviceString(id, C.SIA_CL_DEVICE_VERSION),
				Type:            deviceUint(id, C.SIA_CL_DEVICE_TYPE, 8),
				PlatformIndex:   pi,
				DeviceIndex:     di,
				ComputeUnits:    int(deviceUint(id, C.SIA_CL_DEVICE_MAX_COMPUTE_UNITS, 4)),
				MaxWorkGroup:    int(deviceUint(id, C.SIA_CL_DEVICE_MAX_WORK_GROUP_SIZE, 8)),
				LocalMem:        deviceUint(id, C.SIA_CL_DEVICE_LOCAL_MEM_SIZE, 8),
				GlobalMem:       deviceUint(id, C.SIA_CL_DEVICE_GLOBAL_MEM_SIZE, 8),
				MaxAlloc:        deviceUint(id, C.SIA_CL_DEVICE_MAX_MEM_ALLOC_SIZE, 8),
				Compiler:        deviceUint(id, C.SIA_CL_DEVICE_COMPILER_AVAILABLE, 4) != 0,
				id:              id,
			}
			d.DoubleFPConfig = deviceUint(id, C.SIA_CL_DEVICE_DOUBLE_FP_CONFIG, 8)
			d.FP64 = fp64Capable(deviceString(id, C.SIA_CL_DEVICE_EXTENSIONS), d.DoubleFPConfig)
			out = append(out, d)
		}
	}
	return out, nil
}

// CL_FP_* bits of CL_DEVICE_DOUBLE_FP_CONFIG.
const (
	fpDenorm         = 1 << 0
	fpInfNaN         = 1 << 1
	fpRoundToNearest = 1 << 2
)

// fp64Capable reports whether a device with these extensions and this
// CL_DEVICE_DOUBLE_FP_CONFIG runs the kernel's double precision as the CPU
// engine does: the cl_khr_fp64 extension (the kernel enables it) and, in
// the capabilities, round-to-nearest, INF and NaN, and denormals (the
// kernel's dlarfg/dnrm2 safe ranges and denormal data rely on them; OpenCL
// 1.2 requires all three of any device with doubles). A device that has the
// extension but reports no double capabilities is refused.
func fp64Capable(extensions string, doubleFPConfig uint64) bool {
	const need = fpDenorm | fpInfNaN | fpRoundToNearest
	return containsWord(extensions, "cl_khr_fp64") && doubleFPConfig&need == need
}

func platformString(p C.cl_platform_id, what C.cl_platform_info) string {
	var buf [1024]C.char
	if C.sia_clGetPlatformInfo(p, what, C.size_t(len(buf)), unsafe.Pointer(&buf[0]), nil) != 0 {
		return ""
	}
	return C.GoString(&buf[0])
}

func deviceString(d C.cl_device_id, what C.cl_device_info) string {
	var size C.size_t
	if C.sia_clGetDeviceInfo(d, what, 0, nil, &size) != 0 || size == 0 {
		return ""
	}
	buf := make([]byte, size)
	if C.sia_clGetDeviceInfo(d, what, size, unsafe.Pointer(&buf[0]), nil) != 0 {
		return ""
	}
	for i, c := range buf {
		if c == 0 {
			return string(buf[:i])
		}
	}
	return string(buf)
}

// deviceUint reads an unsigned integer property of the given byte size.
func deviceUint(d C.cl_device_id, what C.cl_device_info, size int) uint64 {
	var v uint64
	if C.sia_clGetDeviceInfo(d, what, C.size_t(size), unsafe.Pointer(&v), nil) != 0 {
		return 0
	}
	if size == 4 {
		return v & 0xffffffff
	}
	return v
}

func containsWord(s, w string) bool {
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ' ' {
			i++
		}
		if s[:i] == w {
			return true
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return false
}
