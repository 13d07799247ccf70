package opencl

// SetFault installs a fault injected at the start of every launch (nil
// removes it), so tests can check the fall-back to the CPU engine.
func SetFault(f func() error) { injectFault = f }

// FP64Capable is fp64Capable, for tests.
func FP64Capable(extensions string, doubleFPConfig uint64) bool {
	return fp64Capable(extensions, doubleFPConfig)
}

// Sub is Config.sub, for tests.
func (c Config) Sub(kmax int) int { return c.sub(kmax) }

// GPUConfig is gpuConfig, for tests.
func GPUConfig(maxWG int, local uint64) Config { return gpuConfig(maxWG, local) }
