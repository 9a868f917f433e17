package analysis

import (
	"context"
	"sync"
)

// prefetcher loads a sequence of items in one goroutine ahead of the
// consumer, so that loading the next checkpoint (reading it and running its
// forward pass) overlaps the analyzers' work on the one in hand. It holds at
// most two items beyond the consumer's: one waiting in the channel and one
// loaded and waiting to be sent. Create it with prefetch; always call stop.
type prefetcher[T any] struct {
	items  chan T
	cancel context.CancelFunc
	exited chan struct{}
}

// prefetch starts loading load(0), load(1), ..., load(n-1), in order. The
// loading stops early when ctx is cancelled or stop is called.
func prefetch[T any](ctx context.Context, n int, load func(i int) T) *prefetcher[T] {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher[T]{items: make(chan T, 1), cancel: cancel, exited: make(chan struct{})}
	go func() {
		defer close(p.exited)
		defer close(p.items)
		for i := range n {
			item := load(i)
			select {
			case p.items <- item:
			case <-ctx.Done():
				return
			}
		}
	}()
	return p
}

// next returns the next item, or false when there are no more: all n were
// returned, or the loading was stopped.
func (p *prefetcher[T]) next() (T, bool) {
	item, ok := <-p.items
	return item, ok
}

// stop ends the loading and waits for its goroutine to return, which takes
// at most the load in progress (a load cannot be interrupted).
func (p *prefetcher[T]) stop() {
	p.cancel()
	<-p.exited
}

// parallel calls fn(0), ..., fn(n-1), each in its own goroutine, and returns
// once all have returned. Each call must touch only what is its own.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}
