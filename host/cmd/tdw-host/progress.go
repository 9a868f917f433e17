package main

import (
	"fmt"
	"time"
)

// draw shows one progress line for step done of total: redrawn in place on
// a terminal at most five times a second, one line per 5% otherwise.
func (p *progressPrinter) draw(done, total int, line string) {
	if p.quiet {
		return
	}
	finished := done >= total
	if p.tty {
		if !finished && time.Since(p.last) < 200*time.Millisecond {
			return
		}
		p.last = time.Now()
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	pct := done * 20 / max(total, 1)
	if pct == p.lastP && !finished {
		return
	}
	p.lastP = pct
	fmt.Fprintln(p.w, line)
}

// bar renders a fixed-width progress bar for done of total.
func bar(done, total int) string {
	const width = 24
	n := done * width / max(total, 1)
	b := make([]byte, width)
	for i := range b {
		if i < n {
			b[i] = '#'
		} else {
			b[i] = '.'
		}
	}
	return "[" + string(b) + "]"
}
