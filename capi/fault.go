//go:build siafault

package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"unsafe"

	"github.com/libsia/sia/device"
)

// A test build's fault injection: built only with -tags siafault
// (build/fault/libsia.so, `make faulttest`), never into the library that
// `make` builds and installs. While the environment variable
// SIA_TEST_PANIC is set (read with C's getenv, so that the C test can set
// and unset it), the training engine panics in Run: an internal error in
// the middle of a call, after its arguments were checked and with its
// model's lock held, which every export must report as SIA_EINTERNAL,
// changing nothing (ctest/test_internal.c).

func init() { lib.SetEngine(faultEngine{lib.Engine()}) }

// faultEngine runs inner unless SIA_TEST_PANIC is set.
type faultEngine struct{ inner device.Engine }

func (e faultEngine) Name() string { return e.inner.Name() }

func (e faultEngine) Run(jobs []*device.Job) {
	name := C.CString("SIA_TEST_PANIC")
	defer C.free(unsafe.Pointer(name))
	if C.getenv(name) != nil {
		panic("injected internal error (SIA_TEST_PANIC)")
	}
	e.inner.Run(jobs)
}
