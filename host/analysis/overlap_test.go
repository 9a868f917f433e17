package analysis

import (
	"context"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// settledGoroutines waits for the goroutine count to come down to want,
// which goroutines that just returned reach a moment later, and returns it.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); n > want && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(time.Millisecond)
	}
	return n
}

func TestPrefetchInOrder(t *testing.T) {
	before := runtime.NumGoroutine()
	p := prefetch(context.Background(), 5, func(i int) int { return i * i })
	var got []int
	for x, ok := p.next(); ok; x, ok = p.next() {
		got = append(got, x)
	}
	p.stop()
	if !slices.Equal(got, []int{0, 1, 4, 9, 16}) {
		t.Errorf("got %v", got)
	}
	if n := settledGoroutines(before); n > before {
		t.Errorf("%d goroutines after stop, %d before", n, before)
	}
}

// TestPrefetchStopEarly stops the prefetcher while its goroutine is blocked
// sending: stop must end it, and the loading must not run ahead by more
// than the channel and the item in hand.
func TestPrefetchStopEarly(t *testing.T) {
	before := runtime.NumGoroutine()
	var loads atomic.Int32
	p := prefetch(context.Background(), 100, func(i int) int { loads.Add(1); return i })
	if x, ok := p.next(); !ok || x != 0 {
		t.Fatalf("first item %d, %v", x, ok)
	}
	for deadline := time.Now().Add(2 * time.Second); loads.Load() < 3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // time to run further ahead, were it able to
	if n := loads.Load(); n != 3 {
		t.Errorf("%d loads with one item taken, want 3 (one taken, one waiting in the channel, one waiting to be sent)", n)
	}
	p.stop()
	if n := settledGoroutines(before); n > before {
		t.Errorf("%d goroutines after stop, %d before", n, before)
	}
	if _, ok := p.next(); ok {
		// The channel may still hold the item that was waiting in it.
		if _, ok := p.next(); ok {
			t.Error("items keep coming after stop")
		}
	}
}

// TestPrefetchCancelled ends the loading when the parent context is
// cancelled, even with nobody taking items.
func TestPrefetchCancelled(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	p := prefetch(ctx, 100, func(i int) int { return i })
	cancel()
	select {
	case <-p.exited:
	case <-time.After(2 * time.Second):
		t.Fatal("the loading goroutine did not end after its context was cancelled")
	}
	p.stop()
	if n := settledGoroutines(before); n > before {
		t.Errorf("%d goroutines after stop, %d before", n, before)
	}
}

// TestParallelRunsConcurrently has every call wait for all the others to
// have started: it finishes only if the calls run at the same time.
func TestParallelRunsConcurrently(t *testing.T) {
	before := runtime.NumGoroutine()
	const n = 8
	var started atomic.Int32
	all := make(chan struct{})
	out := make([]int, n)
	done := make(chan struct{})
	go func() {
		parallel(n, func(i int) {
			if started.Add(1) == n {
				close(all)
			}
			<-all
			out[i] = i + 1
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("parallel did not run its calls concurrently")
	}
	for i, x := range out {
		if x != i+1 {
			t.Errorf("call %d: %d", i, x)
		}
	}
	parallel(0, func(int) { t.Error("called with n = 0") })
	if got := settledGoroutines(before); got > before {
		t.Errorf("%d goroutines after parallel, %d before", got, before)
	}
}
