package main

/*
#include <stdint.h>
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/libsia/sia/solver"
)

// The library version; keep in sync with SIA_VERSION_* in include/sia.h
// (ctest/test_api.c checks that they agree).
const (
	versionMajor, versionMinor, versionPatch = 0, 1, 0
	version                                  = "0.1.0"
)

// lib is the process-wide solver behind the C API.
var lib = solver.New()

// guard turns a panic into SIA_EINTERNAL. Deferred by every export.
func guard(ret *C.int) {
	if recover() != nil {
		*ret = C.int(solver.CodeInternal)
	}
}

// view returns a Go slice over n doubles at p, valid for the current call
// only; nil for a NULL pointer or an extent the solver will reject.
func view(p *C.double, n int) []float64 {
	if p == nil || n <= 0 || n > solver.MaxElements {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(p)), n)
}

// gels unpacks the arguments of a dgels-shaped export and calls train.
func gels(train func(int64, solver.Layout, byte, int, int, int, []float64, int, []float64, int) error,
	id C.int64_t, layout C.int, trans C.char, m, n, nrhs C.int, a *C.double, lda C.int, b *C.double, ldb C.int) C.int {
	L := solver.Layout(layout)
	mi, ni, ri := int(m), int(n), int(nrhs)
	av := view(a, solver.Extent(L, mi, ni, int(lda)))
	bv := view(b, solver.Extent(L, max(mi, ni), ri, int(ldb)))
	return C.int(solver.Code(train(int64(id), L, byte(trans), mi, ni, ri, av, int(lda), bv, int(ldb))))
}

//export cold_train
func cold_train(modelID C.int64_t, matrixLayout C.int, trans C.char, m, n, nrhs C.int, a *C.double, lda C.int, b *C.double, ldb C.int) (ret C.int) {
	defer guard(&ret)
	return gels(lib.ColdTrain, modelID, matrixLayout, trans, m, n, nrhs, a, lda, b, ldb)
}

//export incre_train
func incre_train(modelID C.int64_t, matrixLayout C.int, trans C.char, m, n, nrhs C.int, a *C.double, lda C.int, b *C.double, ldb C.int) (ret C.int) {
	defer guard(&ret)
	return gels(lib.IncreTrain, modelID, matrixLayout, trans, m, n, nrhs, a, lda, b, ldb)
}

//export sia_memo_drop
func sia_memo_drop(modelID C.int64_t) (ret C.int) {
	defer guard(&ret)
	if lib.Drop(int64(modelID)) {
		return 0
	}
	return C.int(solver.CodeNoMemo)
}

//export sia_memo_clear
func sia_memo_clear() {
	defer func() { _ = recover() }()
	lib.Clear()
}

//export sia_memo_count
func sia_memo_count() (ret C.int64_t) {
	defer func() {
		if recover() != nil {
			ret = -1
		}
	}()
	return C.int64_t(lib.Count())
}

// cstrings interns the static texts handed to C: each distinct text is
// allocated once and never freed, so the pointers stay valid forever.
var cstrings struct {
	sync.Mutex
	m map[string]*C.char
}

func cstring(s string) *C.char {
	cstrings.Lock()
	defer cstrings.Unlock()
	if cstrings.m == nil {
		cstrings.m = make(map[string]*C.char)
	}
	p, ok := cstrings.m[s]
	if !ok {
		p = C.CString(s)
		cstrings.m[s] = p
	}
	return p
}

//export sia_strerror
func sia_strerror(code C.int) (ret *C.char) {
	defer func() {
		if recover() != nil {
			ret = nil
		}
	}()
	return cstring(solver.Strerror(int(code)))
}

//export sia_version
func sia_version() *C.char {
	return cstring(version)
}

//export sia_version_number
func sia_version_number() C.int {
	return versionMajor*10000 + versionMinor*100 + versionPatch
}
