//go:build !amd64 || purego

package cpu

// archKernels returns no assembly kernels: other architectures and
// -tags purego builds use the portable Go kernel.
func archKernels() []kernel { return nil }
