// Command none is the baseline of the size comparison: a c-shared library
// with one exported function and nothing else (go build -buildmode=c-shared).
package main

import "C"

//export sia_size_probe
func sia_size_probe() C.int { return 0 }

func main() {}
