//go:build race

package aidel

// raceEnabled: the race detector is on (sync.Pool then drops items at
// random, so pooled buffers are reallocated and garbage bounds loosen).
const raceEnabled = true
