package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// progress draws a bar on standard error: runs done, the current run's
// share, the elapsed time. On a terminal it redraws one line; otherwise it
// prints a line per run.
type progress struct {
	mu    sync.Mutex
	total int
	n     int
	label string
	frac  float64
	tty   bool
	t0    time.Time
	last  time.Time
}

func newProgress(total int) *progress {
	fi, err := os.Stderr.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return &progress{total: total, tty: tty, t0: time.Now()}
}

func (p *progress) note(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(os.Stderr, "\r\033[K%s", s)
	} else {
		fmt.Fprintln(os.Stderr, s)
	}
}

func (p *progress) start(label string) {
	p.mu.Lock()
	p.label, p.frac = label, 0
	p.mu.Unlock()
	p.draw(true)
}

func (p *progress) inner(f float64) {
	p.mu.Lock()
	p.frac = f
	p.mu.Unlock()
	p.draw(false)
}

func (p *progress) done() {
	p.mu.Lock()
	p.n++
	p.frac = 0
	p.mu.Unlock()
	p.draw(true)
}

func (p *progress) finish() {
	if p.tty {
		fmt.Fprintln(os.Stderr)
	}
}

func (p *progress) draw(force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty && !force {
		return
	}
	if !force && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	f := (float64(p.n) + p.frac) / float64(max(p.total, 1))
	fill := int(f * width)
	bar := strings.Repeat("#", fill) + strings.Repeat(".", width-fill)
	line := fmt.Sprintf("[%s] %3.0f%% %d/%d %s (%s)", bar, 100*f, p.n, p.total, p.label,
		time.Since(p.t0).Round(time.Second))
	if p.tty {
		fmt.Fprintf(os.Stderr, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(os.Stderr, line)
	}
}
