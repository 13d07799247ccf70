package main

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func f64(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

// writeCSV writes header and rows to a new file at path. Any failure —
// creating, writing, flushing or closing the file — is returned: a full disk
// must not leave a truncated results file behind a successful run.
func writeCSV(path string, header []string, rows [][]string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return encodeCSV(f, header, rows)
}

// encodeCSV writes header and rows as CSV to out and flushes, returning the
// first error.
func encodeCSV(out io.Writer, header []string, rows [][]string) error {
	w := csv.NewWriter(out)
	if err := w.Write(header); err != nil {
		return err
	}
	return w.WriteAll(rows) // flushes and reports any error, earlier ones included
}

// find returns the result for (len, workload, mode), or nil.
func find(rs []result, length int, w, mode string) *result {
	for i := range rs {
		if rs[i].Len == length && rs[i].Workload == w && rs[i].Mode == mode {
			return &rs[i]
		}
	}
	return nil
}

// ratio returns a's throughput over b's ("" when either is missing).
func ratio(a, b *result) string {
	if a == nil || b == nil || b.Mops == 0 {
		return ""
	}
	return f64(a.Mops / b.Mops)
}

func writeResults(path string, rs []result) error {
	header := []string{"len", "workload", "mode", "keys", "ops", "threads", "reps", "seconds", "mops", "mops_min", "mops_max", "p50_us", "p99_us",
		"mem_bytes_per_key", "build_s", "models", "retrains", "absorbed", "train_s", "exact_passes", "splits",
		"pending_end", "vs_btree", "vs_full", "passes", "pass_models_mean", "pass_p99_ms", "pass_s"}
	var rows [][]string
	for i := range rs {
		r := &rs[i]
		rows = append(rows, []string{strconv.Itoa(r.Len), r.Workload, r.Mode, strconv.Itoa(r.Keys), strconv.Itoa(r.Ops),
			strconv.Itoa(r.Threads), strconv.Itoa(r.Reps), f64(r.Seconds), f64(r.Mops), f64(r.MopsMin), f64(r.MopsMax),
			f64(r.P50.Seconds() * 1e6), f64(r.P99.Seconds() * 1e6),
			f64(r.MemPerKey), f64(r.BuildSec), strconv.Itoa(r.Models), strconv.FormatInt(r.Retrains, 10),
			strconv.FormatInt(r.Absorbed, 10), f64(r.TrainSec), strconv.FormatInt(r.Exact, 10),
			strconv.FormatInt(r.Splits, 10), strconv.Itoa(r.PendingEnd),
			ratio(r, find(rs, r.Len, r.Workload, "btree")), ratio(r, find(rs, r.Len, r.Workload, "full")),
			strconv.FormatInt(r.Passes, 10), f64(r.PassModels), f64(r.PassP99.Seconds() * 1e3), f64(r.PassSec)})
	}
	return writeCSV(path, header, rows)
}

func writeSweep(path string, sw []sweepPoint) error {
	var rows [][]string
	for _, s := range sw {
		rows = append(rows, []string{s.Series, s.Mode, strconv.Itoa(s.Rows), strconv.Itoa(s.Absorbed),
			f64(s.Seconds), f64(s.Total), strconv.Itoa(s.Models)})
	}
	return writeCSV(path, []string{"series", "mode", "model_keys", "absorbed", "train_s", "total_s", "models"}, rows)
}

// bars draws one grouped bar chart: a group per (len, workload), a bar per
// mode, value from val.
func bars(p params, rs []result, title, ylabel, file string, val func(*result) float64) error {
	pl := plot.New()
	pl.Title.Text = title
	pl.Y.Label.Text = ylabel
	var groups []string
	for _, l := range p.lens {
		for _, w := range p.workloads {
			groups = append(groups, fmt.Sprintf("%s, %dB", w, l))
		}
	}
	width := vg.Points(60 / float64(len(p.modes)))
	for mi, mode := range p.modes {
		var vs plotter.Values
		for _, l := range p.lens {
			for _, w := range p.workloads {
				v := 0.0
				if r := find(rs, l, w, mode); r != nil {
					v = val(r)
				}
				vs = append(vs, v)
			}
		}
		b, err := plotter.NewBarChart(vs, width)
		if err != nil {
			return err
		}
		b.LineStyle.Width = 0
		b.Color = plotutil.Color(mi)
		b.Offset = vg.Length(float64(mi)-float64(len(p.modes)-1)/2) * width
		pl.Add(b)
		pl.Legend.Add(mode, b)
	}
	pl.Legend.Top = true
	pl.NominalX(groups...)
	pl.Add(plotter.NewGrid())
	return save(pl, vg.Length(max(6, 1.3*float64(len(groups))))*vg.Inch, 4*vg.Inch, filepath.Join(p.out, file))
}

// lines draws retraining time against x (log-log), a line per mode.
func lines(p params, sw []sweepPoint, series, xlabel, file string, x func(sweepPoint) float64) error {
	pl := plot.New()
	pl.Title.Text = "Retraining time of one model (" + series + " sweep)"
	pl.X.Label.Text = xlabel
	pl.Y.Label.Text = "seconds (whole retrain)"
	pl.X.Scale, pl.Y.Scale = plot.LogScale{}, plot.LogScale{}
	pl.X.Tick.Marker, pl.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	for mi, mode := range []string{"full", "shifted", "incremental"} {
		var xy plotter.XYs
		for _, s := range sw {
			if s.Series == series && s.Mode == mode && s.Total > 0 {
				xy = append(xy, plotter.XY{X: x(s), Y: s.Total})
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		l.Color, pts.Color = plotutil.Color(mi+1), plotutil.Color(mi+1)
		pts.Shape = plotutil.Shape(mi)
		pl.Add(l, pts)
		pl.Legend.Add(mode, l, pts)
	}
	pl.Legend.Top, pl.Legend.Left = true, true
	g := plotter.NewGrid()
	g.Horizontal.Color, g.Vertical.Color = color.Gray{Y: 220}, color.Gray{Y: 220}
	pl.Add(g)
	return save(pl, 5*vg.Inch, 3.5*vg.Inch, filepath.Join(p.out, file))
}

// save writes the plot as SVG (path) and as PNG beside it.
func save(pl *plot.Plot, w, h vg.Length, path string) error {
	if err := pl.Save(w, h, path); err != nil {
		return err
	}
	return pl.Save(w, h, strings.TrimSuffix(path, ".svg")+".png")
}

func plots(p params, rs []result, sw []sweepPoint) error {
	if len(rs) > 0 {
		if err := bars(p, rs, "Throughput ("+string(p.family)+" keys)", "Mops/s", "throughput.svg",
			func(r *result) float64 { return r.Mops }); err != nil {
			return err
		}
		if err := bars(p, rs, "p99 latency", "µs", "p99.svg",
			func(r *result) float64 { return r.P99.Seconds() * 1e6 }); err != nil {
			return err
		}
	}
	if len(sw) > 0 {
		if err := lines(p, sw, "size", "keys in the model (absorbing 5 %)", "retrain_size.svg",
			func(s sweepPoint) float64 { return float64(s.Rows) }); err != nil {
			return err
		}
		if err := lines(p, sw, "absorbed", "keys absorbed", "retrain_absorbed.svg",
			func(s sweepPoint) float64 { return float64(s.Absorbed) }); err != nil {
			return err
		}
	}
	return nil
}

// printTable writes the results as Markdown tables (in one write, whose
// error it returns).
func printTable(out io.Writer, p params, rs []result, sw []sweepPoint) error {
	var b []byte
	b = fmt.Appendf(b, "\n%d keys (%s), %d ops per run, %d workers + 1 trainer; median of %d runs (range in brackets)\n\n",
		p.keys, p.family, p.ops, p.threads, p.reps)
	b = fmt.Appendln(b, "| len | workload | mode | Mops/s | p50 µs | p99 µs | B/key | models | retrains | passes (mean models) | pass p99 ms | train s | unabsorbed at end | vs btree | vs full |")
	b = fmt.Appendln(b, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for i := range rs {
		r := &rs[i]
		b = fmt.Appendf(b, "| %d | %s | %s | %.2f [%.2f–%.2f] | %.2f | %.2f | %.0f | %d | %d | %d (%.1f) | %.2f | %.2f | %d | %s | %s |\n",
			r.Len, r.Workload, r.Mode, r.Mops, r.MopsMin, r.MopsMax, r.P50.Seconds()*1e6, r.P99.Seconds()*1e6, r.MemPerKey, r.Models,
			r.Retrains, r.Passes, r.PassModels, r.PassP99.Seconds()*1e3, r.TrainSec, r.PendingEnd,
			short(ratio(r, find(rs, r.Len, r.Workload, "btree"))), short(ratio(r, find(rs, r.Len, r.Workload, "full"))))
	}
	if len(sw) == 0 {
		_, err := out.Write(b)
		return err
	}
	b = fmt.Appendf(b, "\nRetraining one model (key length %d; median of 3; whole retrain, solver part in parentheses)\n\n", p.sweepLen)
	b = fmt.Appendln(b, "(series pass: one pass over several models; keys and absorbed summed over them)")
	b = append(b, '\n')
	b = fmt.Appendln(b, "| series | models | keys in model(s) | absorbed | full refit ms | shifted ms | incremental ms | incremental vs full | vs shifted |")
	b = fmt.Appendln(b, "|---|---|---|---|---|---|---|---|---|")
	for i := 0; i+2 < len(sw); i += 3 {
		f, sh, in := sw[i], sw[i+1], sw[i+2]
		b = fmt.Appendf(b, "| %s | %d | %d | %d | %.3f (%.3f) | %.3f (%.3f) | %.3f (%.3f) | %.1f× | %.1f× |\n", f.Series, in.Models, f.Rows,
			f.Absorbed, f.Total*1e3, f.Seconds*1e3, sh.Total*1e3, sh.Seconds*1e3, in.Total*1e3, in.Seconds*1e3,
			f.Total/in.Total, sh.Total/in.Total)
	}
	_, err := out.Write(b)
	return err
}

func short(s string) string {
	if s == "" {
		return "–"
	}
	v, _ := strconv.ParseFloat(s, 64)
	return fmt.Sprintf("%.2f×", v)
}
