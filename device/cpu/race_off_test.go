//go:build !race

package cpu_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
