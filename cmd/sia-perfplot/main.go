// Command sia-perfplot draws the update kernel's GFLOP/s against n from the
// CSV of build/bench (make bench): libsia's incre_train and LAPACKE_dtpqrt
// at its best block size, in both layouts, beside the dgemm rate measured
// in the same run (the ceiling). One plot per number of new rows k, as SVG
// and PNG:
//
//	go run ./cmd/sia-perfplot -csv bench/results-devmachine.csv -out bench
//
// writes bench/update-gflops-k1000.{svg,png} and
// bench/update-gflops-k10000.{svg,png} (make figures runs it).
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func main() {
	in := flag.String("csv", "bench/results-devmachine.csv", "build/bench output")
	out := flag.String("out", "bench", "directory for the plots")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sia-perfplot:", err)
		os.Exit(1)
	}
}

// row is one CSV data row of build/bench.
type row struct {
	scenario, method string
	n, k             int
	gflops           float64
}

func read(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(strings.Join(lines, "\n"))).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 || !slices.Equal(recs[0][:5], []string{"scenario", "method", "m", "n", "k"}) {
		return nil, fmt.Errorf("%s: not a build/bench CSV", path)
	}
	var rs []row
	for _, r := range recs[1:] {
		n, err1 := strconv.Atoi(r[3])
		k, err2 := strconv.Atoi(r[4])
		g, err3 := strconv.ParseFloat(r[8], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("%s: bad row %v", path, r)
		}
		rs = append(rs, row{r[0], r[1], n, k, g})
	}
	return rs, nil
}

// series is one line of a plot: the rows it takes and its legend.
type series struct {
	name string
	take func(r row) bool
}

func run(in, out string) error {
	rs, err := read(in)
	if err != nil {
		return err
	}
	upd := func(prefix string, rowMajor bool) func(r row) bool {
		return func(r row) bool {
			return r.scenario == "update" && strings.HasPrefix(r.method, prefix) && strings.HasSuffix(r.method, "_rowmajor") == rowMajor
		}
	}
	all := []series{
		{"dgemm 10000×n×n (ceiling)", func(r row) bool { return r.scenario == "ceiling" && r.k == 10000 }},
		{"libsia incre_train, row-major", upd("libsia_incre_train", true)},
		{"libsia incre_train, column-major", upd("libsia_incre_train", false)},
		{"dtpqrt (best nb) + dtrsv, row-major", upd("LAPACKE_dtpqrt", true)},
		{"dtpqrt (best nb) + dtrsv, column-major", upd("LAPACKE_dtpqrt", false)},
	}
	for _, k := range []int{1000, 10000} {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("Update of a model by k = %d new rows (1 thread)", k)
		p.X.Label.Text = "n (columns: key bytes + bias)"
		p.Y.Label.Text = "GFLOP/s (2·k·n²)"
		p.Y.Min = 0
		drawn, ymax := 0, 0.0
		var ticks []plot.Tick
		for i, s := range all {
			var xy plotter.XYs
			for _, r := range rs {
				if s.take(r) && (r.scenario == "ceiling" || r.k == k) {
					xy = append(xy, plotter.XY{X: float64(r.n), Y: r.gflops})
				}
			}
			if len(xy) == 0 {
				continue
			}
			slices.SortFunc(xy, func(a, b plotter.XY) int { return int(a.X - b.X) })
			for _, q := range xy {
				ymax = max(ymax, q.Y)
				if !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == q.X }) {
					ticks = append(ticks, plot.Tick{Value: q.X, Label: strconv.Itoa(int(q.X))})
				}
			}
			l, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			l.Color, pts.Color = plotutil.Color(i), plotutil.Color(i)
			pts.Shape = plotutil.Shape(i)
			if i == 0 {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(l, pts)
			p.Legend.Add(s.name, l, pts)
			drawn++
		}
		if drawn <= 1 { // the ceiling alone: a run without the update grid
			fmt.Printf("%s: no update rows for k = %d; no plot\n", in, k)
			continue
		}
		p.Legend.Top, p.Legend.Left = true, true
		p.Y.Max = 1.6 * ymax // room for the legend above the lines
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
			var ts []plot.Tick
			for v := 0.0; v <= hi; v += 5 {
				ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
			}
			return ts
		})
		g := plotter.NewGrid()
		g.Horizontal.Color, g.Vertical.Color = color.Gray{Y: 220}, color.Gray{Y: 220}
		p.Add(g)
		path := filepath.Join(out, fmt.Sprintf("update-gflops-k%d.svg", k))
		for _, f := range []string{path, strings.TrimSuffix(path, ".svg") + ".png"} {
			if err := p.Save(6*vg.Inch, 4*vg.Inch, f); err != nil {
				return err
			}
		}
		fmt.Println("wrote", path, "and .png")
	}
	return nil
}
