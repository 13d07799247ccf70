package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "sia.h"
*/
import "C"

import (
	"github.com/libsia/sia/device"
	"github.com/libsia/sia/solver"
)

// codesMatch holds one element per result code whose value in include/sia.h
// equals the solver's: an index d - d of a constant d ≠ 0 is out of range
// for a length-1 array (or negative), so a code that drifts between the
// header and the Go side fails to compile.
var codesMatch = [...]struct{}{
	[1]struct{}{}[C.SIA_OK-solver.CodeOK],
	[1]struct{}{}[C.SIA_ENOMEMO-solver.CodeNoMemo],
	[1]struct{}{}[C.SIA_EINTERNAL-solver.CodeInternal],
	[1]struct{}{}[C.SIA_EINTERNAL-device.InfoInternal], // engines report panics with it
	[1]struct{}{}[C.SIA_ETOOBIG-solver.CodeTooBig],
	[1]struct{}{}[C.SIA_ECOLD-solver.CodeCold],
	[1]struct{}{}[C.SIA_ENODEVICE-solver.CodeNoDevice],
	[1]struct{}{}[C.SIA_EIO-solver.CodeIO],
	[1]struct{}{}[C.SIA_ENOTOPEN-solver.CodeNotOpen],
	[1]struct{}{}[C.SIA_VERSION_NUMBER-(versionMajor*10000+versionMinor*100+versionPatch)],
}

var _ = codesMatch
