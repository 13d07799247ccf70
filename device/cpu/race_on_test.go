//go:build race

package cpu_test

// raceEnabled: under -race the per-kernel engine suite runs on the default
// kernel only (the race detector watches the Go concurrency around the
// kernels, which is the same for all of them, and multiplies their cost);
// `make gotest` runs every kernel in a run without -race.
const raceEnabled = true
