// Command sia-bench is the learned index's end-to-end benchmark: YCSB-like
// workloads over the Go AIDEL index (index/aidel) with its models retrained
// by a full refit, by libsia's incremental training, or at no cost
// ("ideal"), side by side with a B-tree (github.com/google/btree), plus the
// retraining-time sweep (time per model versus model size and versus keys
// absorbed). It writes CSV files and SVG plots to -out and prints a table.
//
//	go run ./cmd/sia-bench                 # the full run (make bench-index)
//	go run ./cmd/sia-bench -quick          # a smoke run (CI)
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/libsia/sia/index/keys"
)

// params are the command's settings.
type params struct {
	keys      int
	ops       int
	reps      int
	threads   int
	lens      []int
	workloads []string
	modes     []string
	family    keys.Family
	seed      uint64
	out       string
	sweepLen  int
	sweepMax  int
	quick     bool
}

func main() {
	var p params
	var lens, wls, modes, fam string
	flag.IntVar(&p.keys, "keys", 1_000_000, "keys bulk-loaded before each run")
	flag.IntVar(&p.ops, "ops", 1_000_000, "operations per run")
	flag.IntVar(&p.reps, "reps", 3, "runs per configuration, modes interleaved (the median is reported)")
	flag.IntVar(&p.threads, "threads", runtime.GOMAXPROCS(0), "worker goroutines (the trainer is one more)")
	flag.StringVar(&lens, "lens", "16,32,64", "key lengths (bytes); the models read every byte")
	flag.StringVar(&wls, "workloads", "D,E,mix", "workloads: D (read latest, 5% inserts), E (scans, 5% inserts), mix (50/50 read/insert); empty: the sweep only")
	flag.StringVar(&modes, "modes", "btree,full,incremental,ideal", "stores: btree, full (refit), shifted (SIndex-style renumbering), incremental (libsia), ideal (free training)")
	flag.StringVar(&fam, "family", "random", "key family: random, prefix, url, userid")
	flag.Uint64Var(&p.seed, "seed", 1, "random seed")
	flag.StringVar(&p.out, "out", "build/index-bench", "directory for CSV files and plots (the committed bench/index is written only by make figures FULL=1)")
	flag.IntVar(&p.sweepLen, "sweep-len", 32, "key length of the retraining sweep (0: no sweep)")
	flag.IntVar(&p.sweepMax, "sweep-max", 1<<18, "largest model in the retraining sweep")
	cpuprof := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.BoolVar(&p.quick, "quick", false, "smoke run: 20k keys, 20k ops, lengths 16 and 32, one run each, small sweep")
	flag.Parse()
	if p.quick {
		p.keys, p.ops, p.sweepMax = 20_000, 20_000, 1<<12
		if !flagSet("reps") {
			p.reps = 1
		}
		if !flagSet("lens") {
			lens = "16,32"
		}
	}
	var err error
	if p.lens, err = ints(lens); err != nil {
		fail(err)
	}
	p.workloads = strings.FieldsFunc(wls, func(r rune) bool { return r == ',' }) // "" → the sweep only
	p.modes = strings.Split(modes, ",")
	p.family = keys.Family(fam)
	for _, w := range p.workloads {
		if _, ok := workloads[w]; !ok {
			fail(fmt.Errorf("unknown workload %q", w))
		}
	}
	for _, m := range p.modes {
		if !validMode(m) {
			fail(fmt.Errorf("unknown mode %q", m))
		}
	}
	if p.keys < 1000 || p.ops < 1 || p.threads < 1 || p.reps < 1 {
		fail(fmt.Errorf("need -keys ≥ 1000, -ops ≥ 1, -threads ≥ 1, -reps ≥ 1"))
	}
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(p); err != nil {
		pprof.StopCPUProfile()
		fail(err)
	}
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 4095 {
			return nil, fmt.Errorf("bad length %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sia-bench:", err)
	os.Exit(1)
}
