package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "sia.h"
#include "tls.h"

// The API header is the one definition of the structs and prototypes: cgo's
// generated prototypes of the exports below are compiled against it, so an
// export whose signature drifts from sia.h, or a struct field that changes,
// fails to compile. Go cannot spell const; these typedefs let the exports
// declare sia.h's const pointers.
typedef const char sia_cgo_cchar;
typedef const double sia_cgo_cdouble;
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/libsia/sia/solver"
)

// The library version; keep in sync with SIA_VERSION_* in include/sia.h
// (ctest/test_gels.c checks that they agree).
const (
	versionMajor, versionMinor, versionPatch = 0, 3, 0
	version                                  = "0.3.0"
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

// gels unpacks the arguments of a dgels-shaped export, calls train and
// records the effective rank for sia_last_rank.
func gels(train func(int64, solver.Layout, byte, int, int, int, []float64, int, []float64, int) (int, error),
	id C.int64_t, layout C.int, trans C.char, m, n, nrhs C.int, a *C.double, lda C.int, b *C.double, ldb C.int) C.int {
	L := solver.Layout(layout)
	mi, ni, ri := int(m), int(n), int(nrhs)
	av := view(a, solver.Extent(L, mi, ni, int(lda)))
	bv := view(b, solver.Extent(L, max(mi, ni), ri, int(ldb)))
	rank, err := train(int64(id), L, byte(trans), mi, ni, ri, av, int(lda), bv, int(ldb))
	C.sia_tls_set_rank(C.int(rank))
	return C.int(solver.Code(err))
}

// withRank adapts a dgels-shaped method without a rank to gels.
func withRank(f func(int64, solver.Layout, byte, int, int, int, []float64, int, []float64, int) error) func(int64, solver.Layout, byte, int, int, int, []float64, int, []float64, int) (int, error) {
	return func(id int64, l solver.Layout, t byte, m, n, nrhs int, a []float64, lda int, b []float64, ldb int) (int, error) {
		return -1, f(id, l, t, m, n, nrhs, a, lda, b, ldb)
	}
}

//export cold_train
func cold_train(modelID C.int64_t, matrixLayout C.int, trans C.char, m, n, nrhs C.int, a *C.double, lda C.int, b *C.double, ldb C.int) (ret C.int) {
	defer guard(&ret)
	return gels(lib.ColdTrainRank, modelID, matrixLayout, trans, m, n, nrhs, a, lda, b, ldb)
}

//export incre_train
func incre_train(modelID C.int64_t, matrixLayout C.int, trans C.char, m, n, nrhs C.int, a *C.double, lda C.int, b *C.double, ldb C.int) (ret C.int) {
	defer guard(&ret)
	return gels(lib.IncreTrainRank, modelID, matrixLayout, trans, m, n, nrhs, a, lda, b, ldb)
}

//export decre_train
func decre_train(modelID C.int64_t, matrixLayout C.int, trans C.char, m, n, nrhs C.int, a *C.double, lda C.int, b *C.double, ldb C.int) (ret C.int) {
	defer guard(&ret)
	return gels(withRank(lib.DecreTrain), modelID, matrixLayout, trans, m, n, nrhs, a, lda, b, ldb)
}

//export incre_train_shifted
func incre_train_shifted(modelID C.int64_t, matrixLayout C.int, k, n, nrhs C.int, aNew *C.sia_cgo_cdouble, ldaNew C.int,
	m C.int, a *C.sia_cgo_cdouble, lda C.int, b *C.double, ldb C.int) (ret C.int) {
	defer guard(&ret)
	L := solver.Layout(matrixLayout)
	ki, ni, ri, mi := int(k), int(n), int(nrhs), int(m)
	anv := view((*C.double)(aNew), solver.Extent(L, ki, ni, int(ldaNew)))
	av := view((*C.double)(a), solver.Extent(L, mi, ni, int(lda)))
	bv := view(b, solver.Extent(L, max(mi, ni), ri, int(ldb)))
	rank, err := lib.IncreTrainShiftedRank(int64(modelID), L, ki, ni, ri, anv, int(ldaNew), mi, av, int(lda), bv, int(ldb))
	C.sia_tls_set_rank(C.int(rank))
	return C.int(solver.Code(err))
}

//export sia_memo_merge
func sia_memo_merge(dst, a, b C.int64_t) (ret C.int) {
	defer guard(&ret)
	return C.int(solver.Code(lib.Merge(int64(dst), int64(a), int64(b))))
}

//export sia_set_rcond
func sia_set_rcond(rcond C.double) {
	defer func() { _ = recover() }()
	lib.SetRCond(float64(rcond))
}

//export sia_set_refine_steps
func sia_set_refine_steps(maxSteps C.int) (ret C.int) {
	defer func() {
		if recover() != nil {
			ret = -1
		}
	}()
	lib.SetRefineSteps(min(max(int(maxSteps), 1), solver.MaxRefineSteps))
	return C.int(lib.RefineSteps())
}

//export sia_memo_set_limit
func sia_memo_set_limit(bytes C.int64_t) {
	defer func() { _ = recover() }()
	lib.SetMemoLimit(int64(bytes))
}

//export sia_memo_stats
func sia_memo_stats(out *C.struct_sia_memo_stats) (ret C.int) {
	defer guard(&ret)
	if out == nil {
		return -1
	}
	st := lib.MemoStats()
	*out = C.struct_sia_memo_stats{
		models: C.int64_t(st.Models), bytes: C.int64_t(st.Bytes), limit: C.int64_t(st.Limit),
		hits: C.int64_t(st.Hits), misses: C.int64_t(st.Misses), evictions: C.int64_t(st.Evictions),
		corrupt: C.int64_t(st.Corrupt),
	}
	return 0
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
func sia_strerror(code C.int) (ret *C.sia_cgo_cchar) {
	defer func() {
		if recover() != nil {
			ret = nil
		}
	}()
	return (*C.sia_cgo_cchar)(cstring(solver.Strerror(int(code))))
}

//export sia_version
func sia_version() *C.sia_cgo_cchar {
	return (*C.sia_cgo_cchar)(cstring(version))
}

//export sia_version_number
func sia_version_number() C.int {
	return versionMajor*10000 + versionMinor*100 + versionPatch
}

//export sia_set_threads
func sia_set_threads(n C.int) {
	defer func() { _ = recover() }()
	lib.SetThreads(int(n))
}

//export sia_train_batch
func sia_train_batch(jobs *C.struct_sia_job, count C.int) (ret C.int) {
	defer guard(&ret)
	switch {
	case count < 0:
		return -2
	case count == 0:
		return 0
	case jobs == nil:
		return -1
	}
	cj := unsafe.Slice(jobs, int(count))
	bj := make([]solver.BatchJob, len(cj))
	for i := range cj {
		c := &cj[i]
		L := solver.Layout(c.matrix_layout)
		m, n, nrhs := int(c.m), int(c.n), int(c.nrhs)
		bj[i] = solver.BatchJob{
			ID: int64(c.model_id), Layout: L, M: m, N: n, NRHS: nrhs,
			A: view(c.a, solver.Extent(L, m, n, int(c.lda))), LDA: int(c.lda),
			B: view(c.b, solver.Extent(L, max(m, n), nrhs, int(c.ldb))), LDB: int(c.ldb),
		}
	}
	failed := lib.TrainBatch(bj)
	for i := range cj {
		cj[i].info = C.int(solver.Code(bj[i].Err))
	}
	return C.int(failed)
}

//export sia_device_select
func sia_device_select(spec *C.sia_cgo_cchar) (ret C.int) {
	defer guard(&ret)
	if spec == nil {
		return -1
	}
	if lib.SelectDevice(C.GoString((*C.char)(spec))) != nil {
		return C.int(solver.CodeNoDevice)
	}
	return 0
}

//export sia_device_describe
func sia_device_describe(buf *C.char, n C.int) (ret C.int) {
	defer guard(&ret)
	if n < 0 || (buf == nil && n > 0) {
		return -1
	}
	text := lib.DescribeDevice()
	if n > 0 {
		dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
		k := copy(dst[:n-1], text)
		dst[k] = 0
	}
	return C.int(len(text))
}

//export sia_memo_open
func sia_memo_open(path *C.sia_cgo_cchar) (ret C.int) {
	defer guard(&ret)
	if path == nil {
		return -1
	}
	rep, err := lib.OpenMemo(C.GoString((*C.char)(path)))
	if err != nil {
		return C.int(solver.Code(err))
	}
	return C.int(min(rep.Loaded, 1<<30))
}

//export sia_memo_checkpoint
func sia_memo_checkpoint() (ret C.int) {
	defer guard(&ret)
	n, err := lib.Checkpoint()
	if err != nil {
		return C.int(solver.Code(err))
	}
	return C.int(min(n, 1<<30))
}

//export sia_memo_close
func sia_memo_close() (ret C.int) {
	defer guard(&ret)
	return C.int(solver.Code(lib.CloseMemo()))
}
