package job

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJournalAcrossManagers: a second manager over the same journal lists
// the first one's finished job as it ended, and the variant is free.
func TestJournalAcrossManagers(t *testing.T) {
	env := testEnv(t)
	path := filepath.Join(t.TempDir(), "state", "jobs.json")
	m1 := NewManager(env, Options{Journal: path})
	in, err := m1.StartTrain(tiny(3, 10))
	if err != nil {
		t.Fatal(err)
	}
	done := waitFor(t, m1, in.ID, "the end", ended)
	shutdown(t, m1)

	m2 := NewManager(env, Options{Journal: path})
	defer shutdown(t, m2)
	list := m2.List()
	if len(list) != 1 {
		t.Fatalf("second manager lists %d jobs, want 1", len(list))
	}
	got := list[0]
	if got.ID != in.ID || got.State != Done || got.Summary != done.Summary || got.Variant != in.Variant || got.Ended == nil {
		t.Errorf("remembered job %+v, want the finished %+v", got, done)
	}
	if _, err := m2.StartTrain(TrainRequest{Family: "modulo_addition_1layer", Variant: in.Variant, ExtendTo: 12}); err != nil {
		t.Errorf("a remembered job holds its variant: %v", err)
	}
}

// TestJournalInterruptedJobs: jobs a stopped server left queued or running
// come back failed, saying why.
func TestJournalInterruptedJobs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.json")
	body := `{"format_version": 1, "jobs": [
 {"id": "a1", "kind": "train", "family": "f", "variant": "v1", "state": "done", "created": "2026-01-02T03:04:05Z", "summary": "ok", "request": {}},
 {"id": "b2", "kind": "analyze", "family": "f", "variant": "v2", "state": "running", "created": "2026-01-02T03:04:06Z", "request": {}},
 {"id": "c3", "kind": "train", "family": "f", "variant": "v3", "state": "queued", "created": "2026-01-02T03:04:07Z", "request": {}}]}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	m := NewManager(testEnv(t), Options{Journal: path})
	defer shutdown(t, m)
	for _, c := range []struct {
		id    string
		state State
		msg   string
	}{{"a1", Done, ""}, {"b2", Failed, "server stopped"}, {"c3", Failed, "server stopped"}} {
		in, err := m.Get(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if in.State != c.state || !strings.Contains(in.Error, c.msg) || (c.msg != "" && in.Ended == nil) {
			t.Errorf("%s: %s %q, want %s with %q", c.id, in.State, in.Error, c.state, c.msg)
		}
	}
}

// TestJournalCorrupt: a journal that does not parse is moved aside, byte
// for byte, and the manager starts with no history.
func TestJournalCorrupt(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"not JSON", `{"format_version": 1, "jobs": [`},
		{"unknown field", `{"format_version": 1, "jobs": [], "extra": 1}`},
		{"future format", `{"format_version": 2, "jobs": []}`},
		{"bad state", `{"format_version": 1, "jobs": [{"id": "a", "kind": "train", "family": "f", "variant": "v", "state": "sleeping"}]}`},
		{"repeated id", `{"format_version": 1, "jobs": [{"id": "a", "kind": "train", "family": "f", "variant": "v", "state": "done"}, {"id": "a", "kind": "train", "family": "f", "variant": "w", "state": "done"}]}`},
		{"no variant", `{"format_version": 1, "jobs": [{"id": "a", "kind": "train", "family": "f", "state": "done"}]}`},
		{"unknown kind", `{"format_version": 1, "jobs": [{"id": "a", "kind": "sweep", "family": "f", "variant": "v", "state": "done"}]}`},
	} {
		name, body := c.name, c.body
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "jobs.json")
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := loadJournal(path, time.Now()); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), ".bad-") {
				t.Errorf("error %v, want one naming the file and where it went", err)
			}
			aside, _ := filepath.Glob(path + ".bad-*")
			if len(aside) != 1 {
				t.Fatalf("moved aside: %v", aside)
			}
			if b, err := os.ReadFile(aside[0]); err != nil || string(b) != body {
				t.Errorf("the moved journal holds %q (%v), want the original", b, err)
			}
			if os.WriteFile(path, []byte(body), 0o644) != nil {
				t.Fatal("rewrite")
			}
			m := NewManager(testEnv(t), Options{Journal: path})
			defer shutdown(t, m)
			if n := len(m.List()); n != 0 {
				t.Errorf("manager over a corrupt journal lists %d jobs", n)
			}
		})
	}
}
