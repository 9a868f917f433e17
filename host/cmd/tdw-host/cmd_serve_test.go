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
)

// TestServeBinary starts 'tdw-host serve' on a free port, asks the API and
// the page, and stops it with SIGINT: it must shut down cleanly, exit 0.
func TestServeBinary(t *testing.T) {
	bin := hostBinary(t)
	ws := workspace(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "TDW_ANALYZERS=", "TDW_FAMILIES=", "TDW_RESULTS=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, stdout)
	}()
	var base string
	select {
	case line := <-lines:
		m := regexp.MustCompile(`^dashboard at (http://127\.0\.0\.1:\d+/) `).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first line %q (stderr %s)", line, stderr.String())
		}
		base = m[1]
	case <-time.After(30 * time.Second):
		t.Fatalf("no address printed (stderr %s)", stderr.String())
	}
	for _, tc := range []struct {
		path, want string
		code       int
	}{
		{"api/variants", `"variants":[]`, 200},
		{"variant.js", "setEpochIndex", 200},
		{"vendor/plotly.min.js", "plotly.js (strict - minified) v3.7.0", 200},
		{"api/variants/x/y", `"error"`, 404},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %d %.200s", tc.path, resp.StatusCode, body)
		}
		if strings.HasPrefix(tc.path, "api/") && !json.Valid(body) {
			t.Errorf("GET %s: not JSON", tc.path)
		}
	}
	if _, err := os.Stat(filepath.Join(ws, "results")); err != nil {
		t.Errorf("results folder not created: %v", err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGINT: %v (stderr %s)", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after SIGINT")
	}
}

func TestServeBadAddress(t *testing.T) {
	ws := workspace(t)
	r := run(t, map[string]string{"TDW_RESULTS": filepath.Join(ws, "results"), "TDW_ANALYZERS": filepath.Join(ws, "analyzers"),
		"TDW_FAMILIES": filepath.Join(ws, "model_families")}, "serve", "--addr", "nonsense")
	if r.code != exitRuntime || !strings.Contains(r.stderr, "--addr nonsense") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	if r := run(t, nil, "serve", "extra"); r.code != exitUsage {
		t.Errorf("serve extra: code %d, stderr %q", r.code, r.stderr)
	}
}
