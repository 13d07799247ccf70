// Command sia-devices lists the OpenCL platforms and devices libsia can
// see, like clinfo does, says which are usable for its kernel, and which
// engine each selection ("auto", "opencl") would give.
//
//	go run ./cmd/sia-devices      (or: make devices)
package main

import (
	"fmt"
	"os"

	"github.com/libsia/sia/device/dispatch"
	"github.com/libsia/sia/device/opencl"
)

func main() {
	devs, err := opencl.Devices()
	if err != nil {
		fmt.Println("OpenCL:", err)
	}
	if err == nil && len(devs) == 0 {
		fmt.Println("OpenCL: no platform with devices")
	}
	platform := -1
	for i := range devs {
		d := &devs[i]
		if d.PlatformIndex != platform {
			platform = d.PlatformIndex
			fmt.Printf("Platform %d: %s (%s, %s)\n", platform, d.Platform, d.PlatformVendor, d.PlatformVersion)
		}
		fmt.Printf("  Device %d:%d  %s\n", d.PlatformIndex, d.DeviceIndex, d.Name)
		fmt.Printf("    type %s, vendor %s, %s\n", d.TypeName(), d.Vendor, d.Version)
		fmt.Printf("    compute units %d, max work-group %d, local memory %d KiB, global %d MiB, max alloc %d MiB\n",
			d.ComputeUnits, d.MaxWorkGroup, d.LocalMem>>10, d.GlobalMem>>20, d.MaxAlloc>>20)
		fmt.Printf("    fp64 %t, online compiler %t, usable by libsia %t\n", d.FP64, d.Compiler, d.Usable())
	}
	for _, spec := range []string{"auto", "opencl"} {
		d, err := dispatch.New(spec, 1)
		if err != nil {
			fmt.Printf("%-7s -> unavailable: %v\n", spec, err)
			continue
		}
		fmt.Printf("%-7s -> %s\n", spec, d.Name())
	}
	os.Exit(0)
}
