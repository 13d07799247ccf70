// Command sia-devbench measures µs per training job on an OpenCL device
// against the CPU engine with 1 and 2 workers, on batches of identical-shape
// update jobs (n features, k new rows, one right-hand side, with the solve),
// and writes one CSV row per (n, k, batch, engine):
//
//	n,k,batch,engine,reps,seconds,us_per_job,device_jobs,groups,fallbacks,max_rel_x
//
// max_rel_x is the largest relative difference of a job's solution from
// the 1-worker CPU engine's in the same cell (0 for that engine). Cells
// whose predicted time would pass -budget are written with reps 0
// ("skipped"), so a run stays within its time limit. scripts/gpu-check.sh
// runs it.
//
//	sia-devbench -out devbench.csv [-device p:d] [-n 17,33,65] [-k 64,1000] [-batches 1,10,100,1000,10000]
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/libsia/sia/device"
	"github.com/libsia/sia/device/cpu"
	"github.com/libsia/sia/device/enginetest"
	"github.com/libsia/sia/device/opencl"
)

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			fmt.Fprintf(os.Stderr, "sia-devbench: bad list %q\n", s)
			os.Exit(2)
		}
		out = append(out, v)
	}
	return out
}

func main() {
	out := flag.String("out", "devbench.csv", "CSV file to write")
	dev := flag.String("device", "", "OpenCL device as platform:device (default: the preferred usable one)")
	ns := flag.String("n", "17,33,65", "features per model")
	ks := flag.String("k", "64,1000", "new rows per job")
	batches := flag.String("batches", "1,10,100,1000,10000", "jobs per batch")
	budget := flag.Duration("budget", 150*time.Second, "total time after which cells are skipped")
	minTime := flag.Duration("mintime", 200*time.Millisecond, "repeat a cell until it has run this long")
	flag.Parse()

	p, d := -1, -1
	if *dev != "" {
		if _, err := fmt.Sscanf(*dev, "%d:%d", &p, &d); err != nil {
			fmt.Fprintf(os.Stderr, "sia-devbench: bad -device %q (want platform:device)\n", *dev)
			os.Exit(2)
		}
	}
	ocl, err := opencl.New(opencl.Options{PlatformIndex: p, DeviceIndex: d, Fallback: &cpu.Engine{Workers: 1}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sia-devbench:", err)
		os.Exit(1)
	}
	defer ocl.Close()
	dv := ocl.Device()
	fmt.Printf("device %s\nconfig %s\n", dv.String(), ocl.Config().BuildOptions())

	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sia-devbench:", err)
		os.Exit(1)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"n", "k", "batch", "engine", "reps", "seconds", "us_per_job", "device_jobs", "groups", "fallbacks", "max_rel_x"})

	type eng struct {
		name string
		e    device.Engine
	}
	engines := []eng{{"cpu1", &cpu.Engine{Workers: 1}}, {"cpu2", &cpu.Engine{Workers: 2}}, {"opencl", ocl}}
	start := time.Now()
	rnd := rand.New(rand.NewPCG(15, 15))
	status := 0
	for _, n := range ints(*ns) {
		for _, k := range ints(*ks) {
			prob := enginetest.NewProblem(rnd, max(k, 2*n), n, 1, 10, 1e-2) // rows: the first k
			rows := prob.Rows(0, k, true, 0)
			t0 := make([]float64, n*(n+1))
			for i := 0; i < n; i++ {
				t0[i*(n+1)+i] = 10
			}
			lastPerJob := map[string]float64{} // µs per job at the previous batch size
			for _, batch := range ints(*batches) {
				jobs := make([]*device.Job, batch)
				for i := range jobs {
					jobs[i] = &device.Job{N: n, NRHS: 1, T: make([]float64, len(t0)), New: rows,
						RSS: make([]float64, 1), Solve: true, X: make([]float64, n)}
				}
				var ref []float64
				for _, en := range engines {
					est := time.Duration(lastPerJob[en.name] * float64(batch) * float64(time.Microsecond))
					if time.Since(start)+est > *budget {
						_ = w.Write([]string{strconv.Itoa(n), strconv.Itoa(k), strconv.Itoa(batch), en.name, "0", "", "", "", "", "", "skipped"})
						continue
					}
					run := func() {
						for _, j := range jobs {
							copy(j.T, t0)
							j.RSS[0] = 0
						}
						en.e.Run(jobs)
					}
					before := ocl.Stats()
					run() // warm-up (device: first launch of a shape), and the answers
					maxRel := 0.0
					if ref == nil {
						ref = append([]float64(nil), jobs[0].X...)
					}
					for _, j := range jobs {
						if j.Info != 0 {
							maxRel = math.Inf(1)
							continue
						}
						maxRel = max(maxRel, enginetest.RelDiff(j.X, ref))
					}
					reps := 0
					t := time.Now()
					for reps == 0 || (time.Since(t) < *minTime && time.Since(start) < *budget) {
						run()
						reps++
					}
					secs := time.Since(t).Seconds()
					perJob := secs * 1e6 / float64(reps*batch)
					lastPerJob[en.name] = perJob
					dj, gr, fb := "", "", ""
					if en.name == "opencl" {
						after := ocl.Stats()
						dj = strconv.FormatInt(after.DeviceJobs-before.DeviceJobs, 10)
						gr = strconv.FormatInt(after.Groups-before.Groups, 10)
						fb = strconv.FormatInt(after.Fallbacks-before.Fallbacks, 10)
						if after.Fallbacks != before.Fallbacks || after.DeviceJobs == before.DeviceJobs {
							fmt.Fprintf(os.Stderr, "sia-devbench: n=%d k=%d batch=%d: jobs did not run on the device (%s)\n", n, k, batch, after.LastError)
							status = 1
						}
					}
					if maxRel > 1e-10 {
						fmt.Fprintf(os.Stderr, "sia-devbench: n=%d k=%d batch=%d %s: solution differs from cpu1 by %g\n", n, k, batch, en.name, maxRel)
						status = 1
					}
					_ = w.Write([]string{strconv.Itoa(n), strconv.Itoa(k), strconv.Itoa(batch), en.name, strconv.Itoa(reps),
						strconv.FormatFloat(secs, 'f', 4, 64), strconv.FormatFloat(perJob, 'f', 3, 64), dj, gr, fb,
						strconv.FormatFloat(maxRel, 'g', 3, 64)})
					w.Flush()
					fmt.Printf("n=%d k=%d batch=%d %-6s %10.3f µs/job (%d reps)\n", n, k, batch, en.name, perJob, reps)
				}
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		fmt.Fprintln(os.Stderr, "sia-devbench:", err)
		status = 1
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "sia-devbench:", err)
		status = 1
	}
	os.Exit(status)
}
