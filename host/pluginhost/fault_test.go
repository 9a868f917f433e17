package pluginhost

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/sdk"
)

func rowSumSpec(mode string) Spec {
	return Spec{
		Name: mode, Version: "1.0.0", Kind: sdk.PerCheckpoint,
		Command: faultPlugin, Args: []string{mode},
	}
}

func checkpoint(rng *rand.Rand, rows, cols int) (*sdk.Checkpoint, []float32) {
	x := make([]float32, rows*cols)
	want := make([]float32, rows)
	for i := range x {
		x[i] = float32(rng.IntN(100))
	}
	for i := range rows {
		for _, v := range x[i*cols : (i+1)*cols] {
			want[i] += v
		}
	}
	return &sdk.Checkpoint{Epoch: 7, Hooks: map[string]*sdk.Tensor{"h": sdk.FromFloat32(x, rows, cols)}}, want
}

// analyzeOK runs a and checks the row sums.
func analyzeOK(t *testing.T, a *Analyzer, rng *rand.Rand, rows, cols int) {
	t.Helper()
	cp, want := checkpoint(rng, rows, cols)
	res, err := a.Analyze(context.Background(), cp)
	if err != nil {
		t.Fatalf("healthy plugin: %v", err)
	}
	got := res.Arrays["row_sum"].Float32s()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestFaultsNamePluginAndSpareOthers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	healthy, err := LaunchAnalyzer(ctx, rowSumSpec("rowsum"), quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer healthy.Close()
	if err := healthy.Begin(ctx, &sdk.Run{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode string
		want []string
		dead bool // the plugin is unusable afterwards
	}{
		{"exit", []string{`plugin "exit" crashed during Analyze (epoch 7)`, "exit status 3"}, true},
		{"goroutine-panic", []string{`plugin "goroutine-panic" crashed during Analyze`, "exit status 2", "panic: faultplugin: boom in a goroutine"}, true},
		{"panic", []string{`plugin "panic": Analyze panicked: faultplugin: boom`}, false},
		{"hang", []string{`plugin "hang" did not answer Analyze (epoch 7) within 300ms (deadline); killed it`}, true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			spec := rowSumSpec(tc.mode)
			if tc.mode == "hang" {
				// Only the hanging plugin gets a short deadline: on a loaded
				// CI machine an honest call may take longer than this.
				spec.CallTimeout = 300 * time.Millisecond
			}
			a, err := LaunchAnalyzer(ctx, spec, quietOptions())
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			cp, _ := checkpoint(rng, 4, 3)
			_, err = a.Analyze(ctx, cp)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("err = %v\nwant it to contain %q", err, w)
				}
			}
			if tc.dead {
				if a.Err() == nil {
					t.Fatal("plugin still reported usable")
				}
				if _, err := a.Analyze(ctx, cp); err == nil || !strings.Contains(err.Error(), `plugin "`+tc.mode+`"`) {
					t.Fatalf("second call: err = %v", err)
				}
				waitGone(t, a.Pid())
			}
			analyzeOK(t, healthy, rng, 6, 5)
		})
	}
}

// TestEveryCallHasTheDeadline: Begin and End run under Spec.CallTimeout as
// Analyze does; a plugin hanging in Begin held a run up for minutes when only
// Analyze had a deadline.
func TestEveryCallHasTheDeadline(t *testing.T) {
	for _, method := range []string{"Begin", "End"} {
		t.Run(method, func(t *testing.T) {
			mode := "hang_" + strings.ToLower(method)
			spec := rowSumSpec(mode)
			spec.CallTimeout = 300 * time.Millisecond
			a, err := LaunchAnalyzer(context.Background(), spec, quietOptions())
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			t0 := time.Now()
			if method == "Begin" {
				err = a.Begin(context.Background(), &sdk.Run{})
			} else {
				err = a.End(context.Background())
			}
			want := `plugin "` + mode + `" did not answer ` + method + ` within 300ms (deadline); killed it`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, want)
			}
			if el := time.Since(t0); el > 10*time.Second {
				t.Errorf("%s failed after %s, want about the 300ms deadline", method, el)
			}
			waitGone(t, a.Pid())
		})
	}
}

// TestCallerDeadlineKillsHungPlugin: a plugin still busy when the caller's
// own deadline passes is killed too, so it cannot hold up later calls.
func TestCallerDeadlineKillsHungPlugin(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a, err := LaunchAnalyzer(context.Background(), rowSumSpec("hang"), quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cp, _ := checkpoint(rng, 4, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = a.Analyze(ctx, cp)
	want := `plugin "hang" did not answer Analyze (epoch 7) within the caller's deadline; killed it`
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v\nwant it to contain %q and wrap context.DeadlineExceeded", err, want)
	}
	if a.Err() == nil {
		t.Fatal("plugin still reported usable")
	}
	waitGone(t, a.Pid())
}

func TestStdoutIsAProtocolViolation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ctx := context.Background()
	a, err := LaunchAnalyzer(ctx, rowSumSpec("stdout"), quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cp, _ := checkpoint(rng, 2, 2)
	_, err = a.Analyze(ctx, cp)
	// The stdout bytes travel on their own stream and may land just after
	// the reply; then the plugin is failed as soon as they arrive.
	if err == nil {
		deadline := time.Now().Add(5 * time.Second)
		for a.Err() == nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		_, err = a.Analyze(ctx, cp)
	}
	want := `plugin "stdout" wrote to stdout ("hello from a plugin's stdout"), a protocol violation`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %q", err, want)
	}
	waitGone(t, a.Pid())
}

func TestLaunchFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		spec Spec
		opts func(*Options)
		want string
	}{
		{"stdout before handshake", Spec{Name: "early", Command: faultPlugin, Args: []string{"stdout-early"}},
			nil, `plugin "early" (` + faultPlugin + `) wrote "starting up!" to stdout instead of the plugin handshake`},
		{"other protocol version", Spec{Name: "version", Command: faultPlugin, Args: []string{"version"}},
			nil, `plugin "version" (` + faultPlugin + `) speaks protocol version 2; this host speaks 1`},
		{"exit before handshake", Spec{Name: "early-exit", Command: faultPlugin, Args: []string{"exit-early"}},
			nil, `plugin "early-exit" (` + faultPlugin + `) exited before the plugin handshake (exit status 4); its stderr ends:
  faultplugin: cannot start: no model here`},
		{"slow start", Spec{Name: "slow", Command: faultPlugin, Args: []string{"slow-start"}},
			func(o *Options) { o.StartTimeout = 300 * time.Millisecond }, `plugin "slow" (` + faultPlugin + `) did not start within 300ms`},
		{"missing binary", Spec{Name: "ghost", Command: "/nonexistent/ghost"},
			nil, `plugin "ghost": cannot run /nonexistent/ghost`},
		{"name mismatch", Spec{Name: "row_sum_v2", Version: "1.0.0", Command: faultPlugin, Args: []string{"rowsum"}},
			nil, `plugin "row_sum_v2" (` + faultPlugin + `) describes itself as "rowsum" version "1.0.0" (per-checkpoint), but its description expects "row_sum_v2" version "1.0.0"`},
		{"kind mismatch", Spec{Name: "rowsum", Kind: sdk.CrossEpoch, Command: faultPlugin, Args: []string{"rowsum"}},
			nil, `(per-checkpoint), but its description expects "rowsum" version "" (cross-epoch)`},
		{"family is no analyzer", Spec{Name: "tiny", Command: faultPlugin, Args: []string{"family"}},
			nil, `plugin "tiny" (` + faultPlugin + `) does not serve an analyzer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := quietOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			a, err := LaunchAnalyzer(ctx, tc.spec, opts)
			if err == nil {
				a.Close()
				t.Fatal("launch succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestFamilyPlugin(t *testing.T) {
	ctx := context.Background()
	f, err := LaunchFamily(ctx, Spec{Name: "tiny", Version: "0.1.0", Command: faultPlugin, Args: []string{"family"}}, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mc, err := f.ModelConfig(ctx, sdk.Params{"p": 5.0})
	if err != nil || mc.DVocab != 6 {
		t.Fatalf("ModelConfig = %+v, %v", mc, err)
	}
	if _, err := f.ModelConfig(ctx, sdk.Params{}); err == nil || !strings.Contains(err.Error(), `plugin "tiny": ModelConfig: parameter "p" is missing`) {
		t.Fatalf("missing param: err = %v", err)
	}
	if _, err := f.TrainingData(ctx, nil); err == nil || !strings.Contains(err.Error(), `plugin "tiny": TrainingData: tiny has no training data`) {
		t.Fatalf("TrainingData: err = %v", err)
	}
	pr, err := f.Probe(ctx, nil)
	if err != nil || pr.Tokens.String() != "int64(1, 3)" {
		t.Fatalf("Probe = %v, %v", pr, err)
	}
	if _, err := LaunchFamily(ctx, Spec{Name: "tiny", Version: "9", Command: faultPlugin, Args: []string{"family"}}, quietOptions()); err == nil || !strings.Contains(err.Error(), `expects "tiny" version "9"`) {
		t.Fatalf("version mismatch: err = %v", err)
	}
}

func TestCloseKillsPlugin(t *testing.T) {
	a, err := LaunchAnalyzer(context.Background(), rowSumSpec("rowsum"), quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	pid := a.Pid()
	a.Close()
	waitGone(t, pid)
	if err := a.Err(); err == nil || !strings.Contains(err.Error(), `plugin "rowsum" was closed`) {
		t.Fatalf("Err after Close = %v", err)
	}
}

// childPlugin launches faultplugin in a child mode and returns it with the
// pid of the sleep it started, checked to be running.
func childPlugin(t *testing.T, mode string) (*Analyzer, int) {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	spec := rowSumSpec(mode)
	spec.Args = append(spec.Args, pidFile)
	a, err := LaunchAnalyzer(context.Background(), spec, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	child, err := strconv.Atoi(string(b))
	if err != nil || !alive(child) {
		a.Close()
		t.Fatalf("child %q not running", b)
	}
	return a, child
}

// TestCloseKillsPluginChildren: a process the plugin started, holding the
// plugin's stderr, is killed with it when the plugin is closed.
func TestCloseKillsPluginChildren(t *testing.T) {
	a, child := childPlugin(t, "child")
	pid := a.Pid()
	closed := make(chan struct{})
	go func() { a.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * closeGrace):
		t.Fatal("Close still waiting for the plugin's child")
	}
	waitGone(t, pid)
	waitGone(t, child)
}

// TestKillKillsPluginChildren: a plugin killed for a fault (a hang past its
// deadline) takes the processes it started with it.
func TestKillKillsPluginChildren(t *testing.T) {
	a, child := childPlugin(t, "child-hang")
	defer a.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	cp, _ := checkpoint(rng, 2, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := a.Analyze(ctx, cp); err == nil || !strings.Contains(err.Error(), "killed it") {
		t.Fatalf("Analyze of a hung plugin: %v", err)
	}
	waitGone(t, a.Pid())
	waitGone(t, child)
}

// TestPluginDiesWithKilledHost runs this test binary as a host that launches
// a plugin, SIGKILLs that host, and expects the plugin to die with it.
func TestPluginDiesWithKilledHost(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+faultPlugin)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	line := strings.TrimSpace(string(buf[:n]))
	pid, err := strconv.Atoi(line)
	if err != nil {
		t.Fatalf("helper host said %q", line)
	}
	if !alive(pid) {
		t.Fatalf("plugin %d not running under the helper host", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitGone(t, pid)
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil && !fileExists("/proc")
	}
	// The state follows the parenthesized command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("plugin process %d still alive", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
