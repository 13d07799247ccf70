package cpu

import "github.com/libsia/sia/device"

// SetFault installs f as the fault injected before every job's (and every
// share's) rows are absorbed; nil removes it.
func SetFault(f func(j *device.Job)) { injectFault = f }
