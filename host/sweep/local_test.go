package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHost writes a stand-in tdw-host: it logs its index and GOMAXPROCS,
// writes its start and end times to dir/start.INDEX and dir/end.INDEX,
// fails index 2, and for index 3 waits for SIGTERM.
func fakeHost(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "tdw-host")
	script := `#!/bin/bash
for i; do index=$i; done
d="` + dir + `"
echo "task $index GOMAXPROCS=$GOMAXPROCS"
date +%s%N > "$d/start.$index"
trap 'echo "task $index got SIGTERM"; date +%s%N > "$d/end.$index"; exit 143' TERM
if [ "$index" = 3 ]; then touch "$d/waiting"; while :; do sleep 0.05; done; fi
sleep 0.3
date +%s%N > "$d/end.$index"
if [ "$index" = 2 ]; then echo "tdw-host: index 2 fails" >&2; touch "$d/failed"; exit 1; fi
echo "task $index done"
`
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunLocalPool runs four tasks two at a time: the pool records itself,
// appends each task's output to its log, counts failures and stops the
// waiting task with SIGTERM when cancelled.
func TestRunLocalPool(t *testing.T) {
	dir := t.TempDir()
	sw := testSweep(t, 5)
	sw.Executor, sw.Slurm, sw.Local = ExecutorLocal, nil, &LocalOptions{Jobs: 2, Cooldown: Duration(10 * time.Millisecond)}
	sw.Paths.TDWHost = fakeHost(t, dir)
	t.Setenv("GOMAXPROCS", "3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // cancel once task 2 has failed and task 3 waits for its signal
		for {
			_, err1 := os.Stat(filepath.Join(dir, "waiting"))
			_, err2 := os.Stat(filepath.Join(dir, "failed"))
			if err1 == nil && err2 == nil {
				time.Sleep(50 * time.Millisecond) // the pool sees task 2's end
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var mu sync.Mutex
	var lines []string
	res, err := sw.RunLocal(ctx, []int{0, 1, 2, 3}, func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 2 || res.Failed != 1 || res.Stopped != 1 {
		t.Errorf("result %+v; lines:\n%s", res, strings.Join(lines, "\n"))
	}
	sort.Strings(lines)
	joined := strings.Join(lines, "\n")
	for _, w := range []string{"done #0 ", "done #1 ", "failed #2 ", ": exit status 1", "started #3 ", "stopped #3 "} {
		if !strings.Contains(joined, w) {
			t.Errorf("report lacks %q:\n%s", w, joined)
		}
	}
	b, _ := os.ReadFile(sw.LogPath(3))
	if !strings.Contains(string(b), "task 3 GOMAXPROCS=3") || !strings.Contains(string(b), "task 3 got SIGTERM") {
		t.Errorf("log of task 3: %q", b)
	}
	if n := maxOverlap(t, dir, 4); n != 2 {
		t.Errorf("%d tasks ran at once, want jobs = 2", n)
	}
	back, err := Load(sw.Paths.Results, sw.Name)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if s := back.Submissions; len(s) != 1 || s[0].PID != os.Getpid() || s[0].Host != host || len(s[0].Indices) != 4 {
		t.Errorf("recorded submissions %+v", s)
	}

	// One at a time: once cancelled, the pool starts nothing more.
	os.Remove(filepath.Join(dir, "waiting"))
	sw.Local.Jobs = 1
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(filepath.Join(dir, "waiting")); err == nil {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	lines = nil
	res, err = sw.RunLocal(ctx, []int{3, 4}, func(l string) { lines = append(lines, l) })
	if err != nil || res != (LocalResult{Stopped: 1}) || strings.Contains(strings.Join(lines, "\n"), "#4") {
		t.Errorf("cancelled pool: %+v %v\n%s", res, err, strings.Join(lines, "\n"))
	}
}

// maxOverlap is the most of tasks 0..n-1 that ran at once, from the times
// the fake wrote.
func maxOverlap(t *testing.T, dir string, n int) int {
	t.Helper()
	read := func(name string) int64 {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	best := 0
	for i := 0; i < n; i++ {
		at, k := read(fmt.Sprintf("start.%d", i)), 0
		for j := 0; j < n; j++ {
			if read(fmt.Sprintf("start.%d", j)) <= at && at < read(fmt.Sprintf("end.%d", j)) {
				k++
			}
		}
		best = max(best, k)
	}
	return best
}
