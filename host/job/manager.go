package job

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Options configure a Manager. Zero values take the defaults.
type Options struct {
	// MaxQueued bounds the jobs waiting behind the running one (default 8).
	MaxQueued int
	// KeepFinished is how many finished jobs are remembered (default 50).
	KeepFinished int
	// History is how many events each job keeps (default 200).
	History int
	// Journal, if set, is a file where the manager keeps the jobs it
	// remembers (rewritten atomically as each job starts and ends), so a
	// new manager over the same file lists them; jobs that were still
	// queued or running there are listed failed (docs/dashboard.md).
	Journal string
	// MinInterval is the least time between two published events of a job
	// (default 100ms): training reports every epoch, far more often than a
	// page redraws. The latest report is always in Info.Last; the first,
	// the last of a phase and the final one are always published.
	MinInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxQueued <= 0 {
		o.MaxQueued = 8
	}
	if o.KeepFinished <= 0 {
		o.KeepFinished = 50
	}
	if o.History <= 0 {
		o.History = 200
	}
	if o.MinInterval <= 0 {
		o.MinInterval = 100 * time.Millisecond
	}
	return o
}

// Manager runs training and analysis jobs in the background, one at a
// time: a job started while another runs waits in a queue, in order. A
// variant has at most one job queued or running. Create it with NewManager;
// it is safe for concurrent use. Call Shutdown before exiting.
type Manager struct {
	env  Env
	opts Options

	mu      sync.Mutex
	jobs    map[string]*job
	order   []*job          // by creation
	active  map[string]*job // queued or running, by family/variant
	queue   []*job
	running *job
	closed  bool
	wg      sync.WaitGroup
}

// job is one job's state, guarded by the manager's mutex.
type job struct {
	m       *Manager
	info    Info
	key     string
	ctx     context.Context
	cancel  context.CancelFunc
	fn      func(ctx context.Context, emit func(Event)) (string, error)
	history []Event
	subs    map[chan Event]struct{}
	seq     int
	lastPub time.Time
}

// NewManager returns a manager running jobs against env, listing the jobs
// of opts.Journal if it is set. A journal that cannot be read is logged
// (and, if it does not parse, moved aside): the manager then starts with no
// history.
func NewManager(env Env, opts Options) *Manager {
	m := &Manager{env: env, opts: opts.withDefaults(), jobs: map[string]*job{}, active: map[string]*job{}}
	if m.opts.Journal != "" {
		past, err := loadJournal(m.opts.Journal, time.Now().UTC())
		if err != nil {
			env.logger().Warn("job history lost", "error", err)
		}
		for _, in := range past {
			j := &job{m: m, info: in, key: in.Family + "/" + in.Variant, subs: map[chan Event]struct{}{}}
			m.jobs[in.ID] = j
			m.order = append(m.order, j)
		}
		m.prune()
	}
	return m
}

// StartTrain queues a training job and returns it. A bad request returns a
// *RequestError, a variant with a job already a *BusyError; after Shutdown
// it returns ErrClosed, with the queue full ErrQueueFull.
func (m *Manager) StartTrain(r TrainRequest) (Info, error) {
	p, err := r.plan(m.env)
	if err != nil {
		return Info{}, err
	}
	est, err := m.guard(r.AllowLarge, func(ctx context.Context) (*Estimate, error) { return EstimateTrain(ctx, m.env, r) })
	if err != nil {
		return Info{}, err
	}
	return m.start(KindTrain, p.fam.Name, p.name, r, est, func(ctx context.Context, emit func(Event)) (string, error) {
		out, err := Train(ctx, m.env, r, func(p variant.Progress) { emit(trainEvent(p)) })
		if err != nil {
			return "", err
		}
		md, err := out.Variant.Metadata()
		if err != nil {
			return "", err
		}
		grok := "test accuracy stays at or under 0.99"
		if e := md.GrokkingEpoch(); e >= 0 {
			grok = fmt.Sprintf("test accuracy > 0.99 first at epoch %d", e)
		}
		return fmt.Sprintf("trained %d epochs, %d checkpoints; train loss %.4g, test loss %.4g; %s",
			md.EpochsCompleted, len(out.Result.CheckpointEpochs), out.Result.FinalTrainLoss, out.Result.FinalTestLoss, grok), nil
	})
}

// StartAnalyze queues an analysis job and returns it; errors as StartTrain.
func (m *Manager) StartAnalyze(r AnalyzeRequest) (Info, error) {
	p, err := r.plan(m.env)
	if err != nil {
		return Info{}, err
	}
	est, err := m.guard(r.AllowLarge, func(ctx context.Context) (*Estimate, error) { return EstimateAnalyze(ctx, m.env, r) })
	if err != nil {
		return Info{}, err
	}
	return m.start(KindAnalyze, p.fam.Name, p.v.Name, r, est, func(ctx context.Context, emit func(Event)) (string, error) {
		rep, err := Analyze(ctx, m.env, r, func(p analysis.Progress) { emit(analyzeEvent(p)) })
		if err == nil && ctx.Err() != nil {
			// Execute stops quietly between steps; the job was still cut short.
			err = &interruptedError{variant: p.v.Name, cause: ctx.Err()}
		}
		if err != nil {
			if rep != nil && len(rep.Analyzers) > 0 {
				return "", fmt.Errorf("%w (%s)", err, ReportLine(rep))
			}
			return "", err
		}
		return ReportLine(rep), nil
	})
}

// guard estimates a job as it is started, so that one the machine cannot
// hold is refused at once (a *TooLargeError) rather than when it runs; the
// job checks again when it starts. An estimate that cannot be made is the
// job's to report when it runs: guard then returns no estimate and no error.
func (m *Manager) guard(allowLarge bool, estimate func(context.Context) (*Estimate, error)) (*Estimate, error) {
	if allowLarge {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	est, err := estimate(ctx)
	if err != nil {
		m.env.logger().Debug("no estimate at start", "error", err)
		return nil, nil
	}
	return est, est.Check()
}

func (m *Manager) start(kind Kind, family, name string, req any, est *Estimate, fn func(context.Context, func(Event)) (string, error)) (Info, error) {
	key := family + "/" + name
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return Info{}, ErrClosed
	case m.active[key] != nil:
		return Info{}, &BusyError{Variant: key, Job: m.active[key].snapshot(false)}
	case m.running != nil && len(m.queue) >= m.opts.MaxQueued:
		return Info{}, fmt.Errorf("%w (%d waiting); wait for one to finish", ErrQueueFull, len(m.queue))
	}
	id := newID()
	for m.jobs[id] != nil {
		id = newID()
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &job{m: m, key: key, ctx: ctx, cancel: cancel, fn: fn, subs: map[chan Event]struct{}{},
		info: Info{ID: id, Kind: kind, Family: family, Variant: name, State: Queued, Created: time.Now().UTC(), Request: req, Estimate: est}}
	m.jobs[id] = j
	m.order = append(m.order, j)
	m.active[key] = j
	if m.running == nil {
		m.launch(j)
	} else {
		m.queue = append(m.queue, j)
	}
	m.prune()
	m.saveJournal()
	m.env.logger().Info("job started", "id", id, "kind", kind, "variant", key, "state", j.info.State)
	return j.snapshot(false), nil
}

// newID returns a random job ID.
func newID() string {
	b := make([]byte, 6)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// launch runs j. The caller holds m.mu.
func (m *Manager) launch(j *job) {
	now := time.Now().UTC()
	m.running = j
	j.info.State, j.info.Started = Running, &now
	m.wg.Add(1)
	go m.run(j)
}

// run executes j's work and records how it ended, then starts the next
// queued job.
func (m *Manager) run(j *job) {
	defer m.wg.Done()
	defer j.cancel()
	summary, err := j.work()
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case err == nil:
		j.info.State, j.info.Summary = Done, summary
	case j.ctx.Err() != nil:
		j.info.State, j.info.Error = Cancelled, err.Error()
	default:
		j.info.State, j.info.Error = Failed, err.Error()
	}
	m.end(j)
	m.prune()
	m.env.logger().Info("job ended", "id", j.info.ID, "state", j.info.State, "error", j.info.Error)
	m.running = nil
	if len(m.queue) > 0 && !m.closed {
		next := m.queue[0]
		m.queue = m.queue[1:]
		m.launch(next)
		m.saveJournal()
	}
}

// work calls j's function, turning a panic into the job's error so that
// one bad run does not take the server down.
func (j *job) work() (summary string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job %s panicked: %v", j.info.ID, r)
		}
	}()
	return j.fn(j.ctx, func(e Event) { j.emit(e) })
}

// emit records an event of j and publishes it (see Options.MinInterval).
// It is called from j's goroutine.
func (j *job) emit(e Event) {
	j.m.mu.Lock()
	defer j.m.mu.Unlock()
	now := time.Now().UTC()
	j.seq++
	e.Seq, e.Time = j.seq, now
	prevPhase := ""
	if j.info.Last != nil {
		prevPhase = j.info.Last.Phase
	}
	last := e
	j.info.Last = &last
	if e.Done < e.Total && e.Phase == prevPhase && now.Sub(j.lastPub) < j.m.opts.MinInterval {
		return
	}
	j.lastPub = now
	j.history = append(j.history, e)
	if n := len(j.history) - j.m.opts.History; n > 0 {
		j.history = slices.Delete(j.history, 0, n)
	}
	for ch := range j.subs {
		select {
		case ch <- e:
		default: // a slow subscriber misses this one; Info.Last has the latest
		}
	}
}

// end marks j final: its subscribers' channels close and its variant is
// free again. The caller holds m.mu and has set j's final state.
func (m *Manager) end(j *job) {
	if j.info.Ended == nil {
		now := time.Now().UTC()
		j.info.Ended = &now
	}
	for ch := range j.subs {
		close(ch)
		delete(j.subs, ch)
	}
	if m.active[j.key] == j {
		delete(m.active, j.key)
	}
	m.saveJournal()
}

// prune forgets the oldest finished jobs beyond KeepFinished. The caller
// holds m.mu.
func (m *Manager) prune() {
	finished := 0
	for _, j := range m.order {
		if j.info.State.Final() {
			finished++
		}
	}
	for i := 0; finished > m.opts.KeepFinished && i < len(m.order); {
		if j := m.order[i]; j.info.State.Final() {
			delete(m.jobs, j.info.ID)
			m.order = slices.Delete(m.order, i, i+1)
			finished--
			continue
		}
		i++
	}
}

// snapshot copies j's info; with events, its history too. The caller holds
// m.mu.
func (j *job) snapshot(events bool) Info {
	in := j.info
	if in.Last != nil {
		last := *in.Last
		in.Last = &last
	}
	if events {
		in.Events = slices.Clone(j.history)
		if in.Events == nil {
			in.Events = []Event{}
		}
	}
	return in
}

// Get returns job id with its recent events, or ErrNoJob.
func (m *Manager) Get(id string) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	if j == nil {
		return Info{}, fmt.Errorf("%w: %q", ErrNoJob, id)
	}
	return j.snapshot(true), nil
}

// List returns every job the manager remembers, newest first, without
// their events.
func (m *Manager) List() []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Info, 0, len(m.order))
	for i := len(m.order) - 1; i >= 0; i-- {
		out = append(out, m.order[i].snapshot(false))
	}
	return out
}

// Cancel stops job id: a queued job ends at once; a running one is asked
// to stop (a training saves its state and can be resumed, an analysis keeps
// its finished work) and ends when it has. Cancelling a finished job does
// nothing. It returns the job's state after the request, or ErrNoJob.
func (m *Manager) Cancel(id string) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	if j == nil {
		return Info{}, fmt.Errorf("%w: %q", ErrNoJob, id)
	}
	m.cancel(j, "cancelled before it started")
	return j.snapshot(false), nil
}

// cancel cancels j; a queued job ends with reason. The caller holds m.mu.
func (m *Manager) cancel(j *job, reason string) {
	switch j.info.State {
	case Queued:
		if i := slices.Index(m.queue, j); i >= 0 {
			m.queue = slices.Delete(m.queue, i, i+1)
		}
		j.info.State, j.info.Error = Cancelled, reason
		j.cancel()
		m.end(j)
	case Running:
		j.cancel()
	}
}

// Subscribe returns job id's current state and a channel of its published
// events, closed when the job ends (at once for a finished job); call
// unsubscribe when done listening. A subscriber that falls behind misses
// events rather than slowing the job. It returns ErrNoJob for an unknown id.
func (m *Manager) Subscribe(id string) (info Info, events <-chan Event, unsubscribe func(), err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	if j == nil {
		return Info{}, nil, nil, fmt.Errorf("%w: %q", ErrNoJob, id)
	}
	ch := make(chan Event, 64)
	if j.info.State.Final() {
		close(ch)
		return j.snapshot(false), ch, func() {}, nil
	}
	j.subs[ch] = struct{}{}
	return j.snapshot(false), ch, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if _, ok := j.subs[ch]; ok {
			delete(j.subs, ch)
			close(ch)
		}
	}, nil
}

// Shutdown refuses new jobs, cancels the queued ones and the running one,
// and waits until the running one has saved its state and ended, or ctx is
// done (then it returns an error saying jobs were still running).
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	for _, j := range slices.Clone(m.queue) {
		m.cancel(j, "cancelled: the server shut down before it started")
	}
	if m.running != nil {
		m.cancel(m.running, "")
	}
	m.mu.Unlock()
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jobs still running at shutdown: %w", ctx.Err())
	}
}
