// Command capi is libsia's C ABI: built with
//
//	go build -buildmode=c-shared -o libsia.so ./capi
//
// it exports the functions declared in include/sia.h. It is a thin shell over
// package solver: every export turns C pointers into Go slices that live only
// for the call (their lengths from solver.Extent), calls solver, and returns
// the numeric code. Every export recovers panics, so none crosses the C
// boundary, and no C pointer is kept after an export returns.
package main

func main() {}
