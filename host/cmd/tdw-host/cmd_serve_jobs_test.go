package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/variant"
)

// startServe starts the binary's serve command in root with args and
// returns its base URL and the process.
func startServe(t *testing.T, bin, root string, args ...string) (string, *exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TDW_ANALYZERS=", "TDW_FAMILIES=", "TDW_RESULTS=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		m := regexp.MustCompile(`^dashboard at (http://127\.0\.0\.1:\d+/) `).FindStringSubmatch(line)
		if m == nil {
			cmd.Wait()
			t.Fatalf("first line %q (stderr %s)", line, stderr)
		}
		return m[1], cmd, stderr
	case <-time.After(30 * time.Second):
		t.Fatal("no address printed")
	}
	return "", nil, nil
}

func postJSON(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestServeJobs starts 'tdw-host serve' over the real family plugin: a
// train job started over HTTP runs, and SIGINT cancels it and waits for it
// to save its state (the variant is left resumable) before exiting 0.
// With --read-only the job endpoints answer 403.
func TestServeJobs(t *testing.T) {
	bin := hostBinary(t)
	root := modaddFamilies(t)
	if err := os.MkdirAll(filepath.Join(root, "analyzers"), 0o755); err != nil {
		t.Fatal(err)
	}
	const train = `{"kind":"train","family":"modulo_addition_1layer","params":{"prime":17,"train_fraction":0.5,"seed":3},
		"options":{"epochs":100000,"checkpoints":"0:100000:50000"}}`

	base, cmd, _ := startServe(t, bin, root, "--read-only")
	if code, body := postJSON(t, base+"api/jobs", train); code != http.StatusForbidden || !strings.Contains(body["error"].(string), "read-only") {
		t.Errorf("read-only POST /api/jobs: %d %v", code, body)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("read-only serve after SIGINT: %v", err)
	}

	base, cmd, stderr := startServe(t, bin, root)
	code, started := postJSON(t, base+"api/jobs", train)
	if code != http.StatusAccepted {
		t.Fatalf("POST /api/jobs: %d %v", code, started)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "api/jobs/" + started["id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		var in map[string]any
		json.NewDecoder(resp.Body).Decode(&in)
		resp.Body.Close()
		if in["last"] != nil {
			break
		}
		if time.Now().After(deadline) || in["state"] != "running" {
			t.Fatalf("job did not train: %v", in)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGINT: %v (stderr %s)", err, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop after SIGINT")
	}
	v, err := variant.Open(filepath.Join(root, "results"), "modulo_addition_1layer", started["variant"].(string))
	if err != nil {
		t.Fatal(err)
	}
	md, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if md.Status != variant.StatusTraining || md.EpochsCompleted == 0 {
		t.Errorf("after SIGINT the variant is %s at %d epochs, want a resumable partial run", md.Status, md.EpochsCompleted)
	}
	// The job list outlives the server, the job recorded as cancelled.
	b, err := os.ReadFile(filepath.Join(root, "results", ".tdw", "jobs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"id": "`+started["id"].(string)+`"`) || !strings.Contains(string(b), `"state": "cancelled"`) {
		t.Errorf("job journal after SIGINT:\n%s", b)
	}
}
