package job

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// These tests drive the manager's bookkeeping with work functions of their
// own (the real training and analysis are manager_test.go's): event
// publishing, history bounds, slow subscribers, panics, the queue bound.

// gated returns work that waits for gate, then reports n steps of phase
// and a final step of phase2.
func gated(gate <-chan struct{}, n int, phase, phase2 string) func(context.Context, func(Event)) (string, error) {
	return func(ctx context.Context, emit func(Event)) (string, error) {
		select {
		case <-gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		for i := 1; i <= n; i++ {
			emit(Event{Phase: phase, Done: i, Total: n})
		}
		emit(Event{Phase: phase2, Done: 1, Total: 2})
		return "ok", nil
	}
}

func TestManagerPublishing(t *testing.T) {
	m := NewManager(testEnv(t), Options{History: 2, MinInterval: time.Hour})
	defer shutdown(t, m)
	gate := make(chan struct{})
	in, err := m.start(KindTrain, "f", "v", nil, nil, gated(gate, 100, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	_, events, unsubscribe, err := m.Subscribe(in.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer unsubscribe()
	close(gate)
	var got []Event
	for e := range events {
		got = append(got, e)
	}
	// Within MinInterval only the first report, the last of a phase and
	// the first of a new phase are published.
	want := []struct {
		phase string
		done  int
	}{{"a", 1}, {"a", 100}, {"b", 1}}
	if len(got) != len(want) {
		t.Fatalf("published %d events: %+v", len(got), got)
	}
	for i, w := range want {
		if got[i].Phase != w.phase || got[i].Done != w.done {
			t.Errorf("event %d: %s %d, want %s %d", i, got[i].Phase, got[i].Done, w.phase, w.done)
		}
	}
	fin, _ := m.Get(in.ID)
	if fin.State != Done || fin.Summary != "ok" || fin.Last.Seq != 101 || len(fin.Events) != 2 || fin.Events[1].Phase != "b" {
		t.Errorf("finished: %s %q, last %+v, %d events kept", fin.State, fin.Summary, fin.Last, len(fin.Events))
	}
}

func TestManagerSlowSubscriber(t *testing.T) {
	m := NewManager(testEnv(t), Options{MinInterval: time.Nanosecond})
	defer shutdown(t, m)
	gate := make(chan struct{})
	in, err := m.start(KindTrain, "f", "v", nil, nil, gated(gate, 10000, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	_, events, unsubscribe, err := m.Subscribe(in.ID) // never read until the end
	if err != nil {
		t.Fatal(err)
	}
	close(gate)
	fin := waitFor(t, m, in.ID, "the job to end despite a subscriber that does not read", ended)
	if fin.State != Done || len(fin.Events) != 200 {
		t.Errorf("%s with %d events kept", fin.State, len(fin.Events))
	}
	n := 0
	for range events {
		n++
	}
	if n == 0 || n > 64 {
		t.Errorf("the slow subscriber got %d events, want its buffer's worth", n)
	}
	unsubscribe() // after the end: nothing to do, no double close
}

func TestManagerPanic(t *testing.T) {
	m := NewManager(testEnv(t), Options{})
	defer shutdown(t, m)
	in, err := m.start(KindAnalyze, "f", "v", nil, nil, func(context.Context, func(Event)) (string, error) { panic("boom") })
	if err != nil {
		t.Fatal(err)
	}
	fin := waitFor(t, m, in.ID, "the job to end", ended)
	if fin.State != Failed || !strings.Contains(fin.Error, "panicked: boom") {
		t.Errorf("panicking job: %s %q", fin.State, fin.Error)
	}
	// The variant is free and the manager runs the next job.
	gate := make(chan struct{})
	close(gate)
	next, err := m.start(KindAnalyze, "f", "v", nil, nil, gated(gate, 1, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if fin := waitFor(t, m, next.ID, "the next job to end", ended); fin.State != Done {
		t.Errorf("job after a panic: %s %q", fin.State, fin.Error)
	}
}

func TestManagerQueueBound(t *testing.T) {
	m := NewManager(testEnv(t), Options{MaxQueued: 1})
	gate := make(chan struct{})
	if _, err := m.start(KindTrain, "f", "a", nil, nil, gated(gate, 1, "a", "b")); err != nil {
		t.Fatal(err)
	}
	q, err := m.start(KindTrain, "f", "b", nil, nil, gated(gate, 1, "a", "b"))
	if err != nil || q.State != Queued {
		t.Fatalf("second job: %+v %v", q, err)
	}
	if _, err := m.start(KindTrain, "f", "c", nil, nil, gated(gate, 1, "a", "b")); !errors.Is(err, ErrQueueFull) {
		t.Errorf("third job with MaxQueued 1: %v", err)
	}
	close(gate)
	if fin := waitFor(t, m, q.ID, "the queued job to end", ended); fin.State != Done {
		t.Errorf("queued job: %s %q", fin.State, fin.Error)
	}
	shutdown(t, m)
}

func TestManagerKeepFinished(t *testing.T) {
	m := NewManager(testEnv(t), Options{KeepFinished: 2})
	defer shutdown(t, m)
	gate := make(chan struct{})
	close(gate)
	var ids []string
	for _, v := range []string{"a", "b", "c", "d"} {
		in, err := m.start(KindTrain, "f", v, nil, nil, gated(gate, 1, "a", "b"))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, m, in.ID, "the job to end", ended)
		ids = append(ids, in.ID)
	}
	list := m.List()
	if len(list) != 2 || list[0].ID != ids[3] || list[1].ID != ids[2] {
		t.Errorf("remembered %d jobs, newest %s", len(list), list[0].ID)
	}
	if _, err := m.Get(ids[0]); !errors.Is(err, ErrNoJob) {
		t.Errorf("the oldest job is still remembered: %v", err)
	}
}
