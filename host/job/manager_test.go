package job

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/variant"
)

// waitFor polls job id until ok accepts it, failing the test after a
// minute.
func waitFor(t *testing.T, m *Manager, id, what string, ok func(Info) bool) Info {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		in, err := m.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(in) {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: waited a minute for %s; it is %s (last %+v, error %q)", id, what, in.State, in.Last, in.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ended(in Info) bool { return in.State.Final() }

func shutdown(t *testing.T, m *Manager) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

func TestManagerTrainThenAnalyze(t *testing.T) {
	env := testEnv(t)
	m := NewManager(env, Options{MinInterval: time.Nanosecond})
	defer shutdown(t, m)
	in, err := m.StartTrain(tiny(1, 30))
	if err != nil {
		t.Fatal(err)
	}
	if in.ID == "" || in.Kind != KindTrain || in.Family != "modulo_addition_1layer" || in.Variant != "modulo_addition_1layer_p17_seed1_dseed598_frac0.5" {
		t.Errorf("started %+v", in)
	}
	first, events, unsubscribe, err := m.Subscribe(in.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer unsubscribe()
	if first.ID != in.ID {
		t.Errorf("subscribed to %s, got %s", in.ID, first.ID)
	}
	var got []Event
	for e := range events { // closed when the job ends
		got = append(got, e)
	}
	fin, err := m.Get(in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fin.State != Done || fin.Error != "" || !strings.Contains(fin.Summary, "trained 30 epochs, 11 checkpoints") || fin.Started == nil || fin.Ended == nil {
		t.Fatalf("finished train job: %s, %q, %q", fin.State, fin.Error, fin.Summary)
	}
	if len(got) == 0 || len(fin.Events) == 0 {
		t.Fatalf("%d events received, %d kept", len(got), len(fin.Events))
	}
	for i, e := range got {
		if e.Phase != "train" || e.Total != 30 || e.Line == "" || (i > 0 && e.Seq <= got[i-1].Seq) {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	if l := got[len(got)-1]; l.Done != 30 || l.TrainLoss == nil || *fin.Last != l {
		t.Errorf("last event %+v, Info.Last %+v", l, fin.Last)
	}

	an, err := m.StartAnalyze(AnalyzeRequest{Family: fin.Family, Variant: fin.Variant, Analyzers: testAnalyzers})
	if err != nil {
		t.Fatal(err)
	}
	fin = waitFor(t, m, an.ID, "the analysis to end", ended)
	if fin.State != Done || !strings.Contains(fin.Summary, "1 analyzers: 11 artifacts computed") {
		t.Fatalf("finished analysis job: %s, %q, %q", fin.State, fin.Error, fin.Summary)
	}
	if fin.Last == nil || fin.Last.Phase == "train" {
		t.Errorf("analysis last event %+v", fin.Last)
	}
	v, err := variant.Open(env.Results, fin.Family, fin.Variant)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := v.State(); st != variant.Analyzed {
		t.Errorf("variant is %s after the analysis job", st)
	}
	if list := m.List(); len(list) != 2 || list[0].ID != an.ID || list[1].ID != in.ID || list[0].Events != nil {
		t.Errorf("List gives %d jobs, newest %v", len(list), list)
	}
	// A finished job's subscription ends at once.
	if _, ch, unsub, err := m.Subscribe(in.ID); err != nil {
		t.Error(err)
	} else if _, open := <-ch; open {
		t.Error("subscription to a finished job is open")
	} else {
		unsub()
	}
	if _, err := m.Get("nope"); !errors.Is(err, ErrNoJob) {
		t.Errorf("Get of an unknown job: %v", err)
	}
	if _, err := m.Cancel("nope"); !errors.Is(err, ErrNoJob) {
		t.Errorf("Cancel of an unknown job: %v", err)
	}
}

func TestManagerOneJobPerVariant(t *testing.T) {
	env := testEnv(t)
	m := NewManager(env, Options{})
	defer shutdown(t, m)
	long := tiny(1, 100000)
	a, err := m.StartTrain(long)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != Running {
		t.Errorf("first job is %s", a.State)
	}
	// A second job on the same variant is refused, naming the first.
	_, err = m.StartTrain(long)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Job.ID != a.ID || !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), a.Variant) {
		t.Errorf("second train job on the variant: %v", err)
	}
	// Jobs on other variants queue behind it, in order.
	b, err := m.StartTrain(tiny(2, 20))
	if err != nil || b.State != Queued {
		t.Fatalf("job on another variant: %+v, %v", b, err)
	}
	c, err := m.StartTrain(tiny(3, 20))
	if err != nil || c.State != Queued {
		t.Fatalf("third job: %+v, %v", c, err)
	}
	if in, err := m.Cancel(c.ID); err != nil || in.State != Cancelled || !strings.Contains(in.Error, "before it started") {
		t.Errorf("cancelling a queued job: %+v, %v", in, err)
	}
	// Its variant is free again.
	if _, err := m.StartTrain(tiny(3, 20)); err != nil {
		t.Errorf("after cancelling the queued job of a variant: %v", err)
	}
	progressed := waitFor(t, m, a.ID, "five epochs", func(in Info) bool { return in.Last != nil && in.Last.Done >= 5 })
	_, err = m.StartAnalyze(AnalyzeRequest{Family: a.Family, Variant: a.Variant, Analyzers: testAnalyzers})
	if !errors.As(err, &busy) || busy.Job.ID != a.ID {
		t.Errorf("analysis job on a variant in training: %v", err)
	}
	if in, err := m.Cancel(a.ID); err != nil || in.State != Running {
		t.Errorf("cancel of the running job: %+v, %v", in, err)
	}
	fin := waitFor(t, m, a.ID, "the cancelled job to end", ended)
	if fin.State != Cancelled || !strings.Contains(fin.Error, variant.ErrInterrupted.Error()) {
		t.Errorf("cancelled job %+v", fin)
	}
	// The stopped run is resumable.
	v, err := variant.Open(env.Results, a.Family, a.Variant)
	if err != nil {
		t.Fatal(err)
	}
	md, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if md.Status != variant.StatusTraining || md.EpochsCompleted < progressed.Last.Done {
		t.Errorf("after cancel: status %s, %d epochs (the job had reported %d)", md.Status, md.EpochsCompleted, progressed.Last.Done)
	}
	// The queued job ran next.
	if in := waitFor(t, m, b.ID, "the queued job to end", ended); in.State != Done {
		t.Errorf("queued job %+v", in)
	}
	// Resuming continues past where the run stopped.
	r, err := m.StartTrain(TrainRequest{Family: a.Family, Variant: a.Variant, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	in := waitFor(t, m, r.ID, "the resumed run's progress", func(in Info) bool { return in.Last != nil || in.State.Final() })
	if in.Last == nil || in.Last.Epoch <= md.EpochsCompleted {
		t.Errorf("resumed job %+v; the run had stopped at %d", in, md.EpochsCompleted)
	}
}

func TestManagerVariantLockedByCLI(t *testing.T) {
	env := testEnv(t)
	out, err := Train(context.Background(), env, tiny(1, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	// What `tdw-host analyze` holds while it runs.
	lock, err := lockfile.Acquire(filepath.Join(out.Variant.Dir(), variant.LockFile), "tdw-host analyze")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	m := NewManager(env, Options{})
	defer shutdown(t, m)
	for _, start := range []func() (Info, error){
		func() (Info, error) { r := tiny(1, 10); r.Force = true; return m.StartTrain(r) },
		func() (Info, error) {
			return m.StartAnalyze(AnalyzeRequest{Family: "modulo_addition_1layer", Variant: out.Variant.Name, Analyzers: testAnalyzers})
		},
	} {
		in, err := start()
		if err != nil {
			t.Fatal(err)
		}
		fin := waitFor(t, m, in.ID, "the job to end", ended)
		if fin.State != Failed || !strings.Contains(fin.Error, "locked by another process") || !strings.Contains(fin.Error, "tdw-host analyze") {
			t.Errorf("%s job on a locked variant: %+v", in.Kind, fin)
		}
	}
}

func TestManagerShutdown(t *testing.T) {
	env := testEnv(t)
	m := NewManager(env, Options{})
	a, err := m.StartTrain(tiny(1, 100000))
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.StartTrain(tiny(2, 20))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, m, a.ID, "an epoch", func(in Info) bool { return in.Last != nil })
	shutdown(t, m)
	for _, c := range []struct {
		id, msg string
	}{{a.ID, "interrupted"}, {b.ID, "shut down before it started"}} {
		if in, _ := m.Get(c.id); in.State != Cancelled || !strings.Contains(in.Error, c.msg) {
			t.Errorf("after shutdown: %+v", in)
		}
	}
	if _, err := m.StartTrain(tiny(3, 20)); !errors.Is(err, ErrClosed) {
		t.Errorf("start after shutdown: %v", err)
	}
}
