package model

import (
	"runtime"
	"sync"
)

// minParallelWork is the amount of work (rows × width) below which a kernel
// runs on the calling goroutine: spawning costs more than it saves.
const minParallelWork = 1 << 14

// parallelRows runs f over [0, rows) split into GOMAXPROCS contiguous chunks
// of fixed size. Each chunk writes only its own rows, so results do not depend
// on scheduling.
func parallelRows(rows, width int, f func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if w <= 1 || rows < 2 || rows*width < minParallelWork {
		f(0, rows)
		return
	}
	if w > rows {
		w = rows
	}
	var wg sync.WaitGroup
	step := (rows + w - 1) / w
	for lo := 0; lo < rows; lo += step {
		hi := min(lo+step, rows)
		wg.Add(1)
		go func() { defer wg.Done(); f(lo, hi) }()
	}
	wg.Wait()
}
