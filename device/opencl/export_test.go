package opencl

// SetFault installs a fault injected at the start of every launch (nil
// removes it), so tests can check the fall-back to the CPU engine.
func SetFault(f func() error) { injectFault = f }
