package sweep

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// killAfter is how long a task has to save its state after SIGTERM before
// the pool kills it (Slurm's default KillWait is 30 s).
const killAfter = 90 * time.Second

// LocalResult counts how the pool's tasks ended.
type LocalResult struct {
	Done, Failed, Stopped int
}

// RunLocal runs the tasks of indices on this machine, Local.Jobs at a time,
// each as its own `tdw-host sweep task` process (the recorded binary) with
// its output appended to the variant's log; a worker pauses Local.Cooldown
// after each variant. It holds the sweep's lock while it runs, which is how
// status and cancel find it. Cancelling ctx sends SIGTERM to the running
// tasks, which save their state, and waits for them; tasks not started
// are left for resume. report, if set, gets one line per task started and
// ended.
func (s *Sweep) RunLocal(ctx context.Context, indices []int, report func(string)) (LocalResult, error) {
	var res LocalResult
	if report == nil {
		report = func(string) {}
	}
	l, err := s.lock("tdw-host sweep (local pool)")
	if err != nil {
		return res, err
	}
	defer l.Release()
	host, _ := os.Hostname()
	s.Submissions = append(s.Submissions, Submission{Indices: append([]int(nil), indices...), Host: host, PID: os.Getpid(),
		Submitted: time.Now().UTC().Truncate(time.Second)})
	if err := s.Save(); err != nil {
		return res, err
	}
	opts := s.Local
	if opts == nil || opts.Jobs < 1 {
		opts = &LocalOptions{Jobs: 1}
	}
	work := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < min(opts.Jobs, len(indices)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.localWorker(ctx, work, opts, func(state, line string) {
				mu.Lock()
				defer mu.Unlock()
				switch state {
				case Done:
					res.Done++
				case Stopped:
					res.Stopped++
				case Failed:
					res.Failed++
				}
				report(line)
			})
		}()
	}
feed:
	for _, i := range indices {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return res, nil
}

// localWorker runs the tasks it receives one after another, cooling down
// between them. It notes each start (state "") and end (the task's state).
func (s *Sweep) localWorker(ctx context.Context, work <-chan int, opts *LocalOptions, note func(state, line string)) {
	first := true
	for index := range work {
		if !first && opts.Cooldown > 0 {
			select {
			case <-time.After(time.Duration(opts.Cooldown)):
			case <-ctx.Done():
			}
		}
		first = false
		if ctx.Err() != nil {
			return
		}
		v := s.Variants[index]
		note("", fmt.Sprintf("started #%d %s", index, v.Name))
		began := time.Now()
		err := s.runLocalTask(ctx, index, opts.Jobs)
		state, msg := Done, ""
		switch {
		case err != nil && ctx.Err() != nil:
			state, msg = Stopped, ": interrupted"
		case err != nil:
			state = Failed
			if rec, _ := s.Record(index); rec != nil && rec.Error != "" {
				msg = ": " + rec.Error
			} else {
				msg = ": " + err.Error()
			}
		}
		note(state, fmt.Sprintf("%s #%d %s (%s)%s", state, index, v.Name, time.Since(began).Round(time.Second), msg))
	}
}

// runLocalTask runs one task process, its output appended to the log.
func (s *Sweep) runLocalTask(ctx context.Context, index, jobs int) error {
	if err := os.MkdirAll(s.Dir()+"/logs", 0o755); err != nil {
		return err
	}
	log, err := os.OpenFile(s.LogPath(index), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	argv := append(TaskCommand(s), strconv.Itoa(index))
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = os.Environ()
	// Tasks share the machine's cores, unless told otherwise.
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		cmd.Env = append(cmd.Env, fmt.Sprintf("GOMAXPROCS=%d", max(1, runtime.NumCPU()/jobs)))
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = killAfter
	return cmd.Run()
}
