package pluginhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tdw-workbench/tdw/internal/rpc"
)

// process is one running plugin binary and the state every call checks.
type process struct {
	name    string // the expected name, or the binary's base name
	path    string
	opts    Options
	timeout time.Duration // of each call
	log     hclog.Logger
	cmd     *exec.Cmd
	client  *plugin.Client
	stderr  *tail
	stdout  *stdoutGuard
	closeMu sync.Mutex
	// onClose frees what the host side holds for the plugin (shared-memory
	// staging); it runs once the process is stopped.
	onClose func()
	// group is the plugin's process group (its pid), set once go-plugin has
	// started it; 0 before. Atomic: CloseAll may read it during a launch.
	group atomic.Int64

	mu     sync.Mutex
	failed error // why the plugin can no longer be called
}

var (
	liveMu sync.Mutex
	live   = map[*process]bool{}
)

// CloseAll kills every plugin process this package started and has not
// closed yet. A host calls it on its way out (Pdeathsig covers the ways out
// that run no code).
func CloseAll() {
	liveMu.Lock()
	ps := make([]*process, 0, len(live))
	for p := range live {
		ps = append(ps, p)
	}
	liveMu.Unlock()
	for _, p := range ps {
		p.close()
	}
}

// label is how errors name the plugin.
func (p *process) label() string { return fmt.Sprintf("plugin %q", p.name) }

// launch starts spec's binary and dispenses pluginName from it.
func launch(ctx context.Context, spec Spec, opts Options, pluginName string, pl plugin.Plugin) (*process, any, error) {
	opts = opts.withDefaults()
	name := spec.Name
	if name == "" {
		name = filepath.Base(spec.Command)
	}
	if spec.Command == "" {
		return nil, nil, fmt.Errorf("plugin %q: no command to run", name)
	}
	cmd := exec.Command(spec.Command, spec.Args...)
	cmd.Dir = spec.Dir
	if cmd.Dir == "" {
		cmd.Dir = filepath.Dir(spec.Command)
	}
	diesWithHost(cmd)
	ownGroup(cmd)
	timeout := spec.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	p := &process{name: name, path: spec.Command, opts: opts, timeout: timeout, log: opts.Logger.Named(name), cmd: cmd, stderr: &tail{max: 4096}}
	p.stdout = &stdoutGuard{p: p}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  rpc.Handshake,
		Plugins:          plugin.PluginSet{pluginName: pl},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           p.log,
		StartTimeout:     opts.StartTimeout,
		Stderr:           p.stderr,
		SyncStdout:       p.stdout,
		SyncStderr:       &logWriter{log: p.log, tail: p.stderr},
		GRPCDialOptions:  rpc.GRPCDialOptions(),
	})
	liveMu.Lock()
	live[p] = true
	liveMu.Unlock()

	type result struct {
		raw any
		err error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := p.client.Client()
		if err != nil {
			done <- result{err: err}
			return
		}
		raw, err := conn.Dispense(pluginName)
		done <- result{raw, err}
	}()
	var r result
	select {
	case r = <-done:
		p.started()
	case <-ctx.Done():
		p.close()
		<-done
		p.started()
		p.kill() // in case it started after close
		return nil, nil, fmt.Errorf("%s (%s): launch: %w", p.label(), p.path, ctx.Err())
	}
	if r.err != nil {
		err := p.startError(r.err, pluginName)
		p.kill()
		return nil, nil, err
	}
	if err := p.violation(); err != nil {
		return nil, nil, err
	}
	return p, r.raw, nil
}

var versionRE = regexp.MustCompile(`Plugin version: (\d+)`)

// startError turns a launch failure into an error naming the plugin and the
// cause in words.
func (p *process) startError(err error, pluginName string) error {
	msg := err.Error()
	switch {
	case strings.Contains(strings.ToLower(msg), "incompatible api version"):
		v := "another"
		if m := versionRE.FindStringSubmatch(msg); m != nil {
			v = m[1]
		}
		return fmt.Errorf("%s (%s) speaks protocol version %s; this host speaks %d: rebuild it against this sdk", p.label(), p.path, v, rpc.ProtocolVersion)
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		first, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		if first == "" {
			// Its stdout closed with nothing on it: it exited (or closed
			// stdout) before the handshake.
			return p.exitedBeforeHandshake()
		}
		return fmt.Errorf("%s (%s) wrote %q to stdout instead of the plugin handshake: a plugin must not write to stdout (is it a tdw plugin built with sdk/plugin's Serve*?)", p.label(), p.path, first)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("%s (%s) did not start within %s", p.label(), p.path, p.opts.StartTimeout)
	case strings.Contains(msg, "exited before we could connect"):
		return p.exitedBeforeHandshake()
	case strings.Contains(msg, "unknown plugin type"), strings.Contains(msg, "unknown service tdw.v1."):
		return fmt.Errorf("%s (%s) does not serve an %s: it is another kind of plugin", p.label(), p.path, pluginName)
	}
	var ee *exec.Error
	if errors.As(err, &ee) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("%s: cannot run %s: %v", p.label(), p.path, err)
	}
	return fmt.Errorf("%s (%s): start: %v%s", p.label(), p.path, err, p.stderrNote())
}

// exitedBeforeHandshake describes a plugin whose stdout closed before it
// wrote the handshake: its exit status and the end of its stderr, once
// go-plugin has reaped it (after reading all of its stderr).
func (p *process) exitedBeforeHandshake() error {
	if exited, state := p.waitExit(codes.Unavailable); exited {
		return fmt.Errorf("%s (%s) exited before the plugin handshake (%s)%s", p.label(), p.path, state, p.stderrNote())
	}
	return fmt.Errorf("%s (%s) closed its stdout before the plugin handshake%s", p.label(), p.path, p.stderrNote())
}

// callerDeadlinePassed reports whether ctx's own deadline has passed. It
// reads the clock rather than ctx.Err: gRPC's deadline timer may fire, and
// the call fail, a moment before ctx's timer marks ctx done.
func callerDeadlinePassed(ctx context.Context) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// call runs f under the call deadline and explains its failure.
func (p *process) call(ctx context.Context, method string, f func(context.Context) error) error {
	if err := p.usable(); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := f(cctx)
	if verr := p.violation(); verr != nil {
		return verr
	}
	if err == nil {
		return nil
	}
	if callerDeadlinePassed(ctx) {
		// The caller's deadline passed first: the plugin is still busy with
		// the call and would hold up every later one, so it is a hang too.
		e := fmt.Errorf("%s did not answer %s within the caller's deadline; killed it", p.label(), method)
		p.fail(e)
		return fmt.Errorf("%w: %w", e, context.DeadlineExceeded)
	}
	if ctx.Err() != nil { // the caller gave up; the plugin is not at fault
		return fmt.Errorf("%s: %s: %w", p.label(), method, ctx.Err())
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
		e := fmt.Errorf("%s did not answer %s within %s (deadline); killed it", p.label(), method, p.timeout)
		p.fail(e)
		return e
	}
	if exited, state := p.waitExit(status.Code(err)); exited {
		e := fmt.Errorf("%s crashed during %s (%s)%s", p.label(), method, state, p.stderrNote())
		p.fail(e)
		return e
	}
	if s, ok := status.FromError(err); ok {
		return fmt.Errorf("%s: %s", p.label(), s.Message())
	}
	return fmt.Errorf("%s: %s: %v", p.label(), method, err)
}

// waitExit reports whether the plugin process has exited, waiting briefly
// when the error suggests the connection died with it.
func (p *process) waitExit(code codes.Code) (bool, string) {
	// A dead connection (Unavailable, Canceled) usually means a dead process
	// not yet reaped; other codes are mostly the plugin's own answers.
	var wait time.Duration
	switch code {
	case codes.Unavailable, codes.Canceled:
		wait = 2 * time.Second
	case codes.Internal:
		wait = 100 * time.Millisecond
	}
	deadline := time.Now().Add(wait)
	for {
		if p.client.Exited() {
			// Exited is set after go-plugin's Wait, so ProcessState is final.
			if ps := p.cmd.ProcessState; ps != nil {
				return true, ps.String()
			}
			return true, "exited"
		}
		if time.Now().After(deadline) {
			return false, ""
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// usable returns why the plugin cannot be called, or nil.
func (p *process) usable() error {
	if err := p.violation(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed != nil {
		return p.failed
	}
	if p.client.Exited() {
		state := "exited"
		if ps := p.cmd.ProcessState; ps != nil {
			state = ps.String()
		}
		p.failed = fmt.Errorf("%s is not running (%s)%s", p.label(), state, p.stderrNote())
		return p.failed
	}
	return nil
}

// violation returns the stdout protocol violation, killing the plugin the
// first time it is seen.
func (p *process) violation() error {
	out := p.stdout.seen()
	if out == "" {
		return nil
	}
	e := fmt.Errorf("%s wrote to stdout (%q), a protocol violation: plugins log to stderr; killed it", p.label(), out)
	p.fail(e)
	return e
}

// fail records why the plugin is unusable and kills it.
func (p *process) fail(err error) {
	if p.setFailed(err) {
		p.log.Error("plugin failed", "error", err)
		p.kill()
	}
}

// shutdown stops a healthy plugin gracefully; later calls get err.
func (p *process) shutdown(err error) {
	if p.setFailed(err) {
		p.close()
	}
}

// setFailed records err as the reason the plugin is unusable unless one is
// recorded; it reports whether err was recorded.
func (p *process) setFailed(err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed != nil {
		return false
	}
	p.failed = err
	return true
}

// started records the plugin's process group once go-plugin's start has
// returned, when cmd.Process may be read.
func (p *process) started() {
	if p.cmd.Process != nil {
		p.group.Store(int64(p.cmd.Process.Pid))
	}
}

// kill SIGKILLs the process and the processes it started (a misbehaving
// plugin gets no grace) and lets go-plugin clean up its side.
func (p *process) kill() {
	killGroup(int(p.group.Load()))
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	p.close()
}

// closeGrace is how long close waits for go-plugin to stop the plugin
// before it kills the plugin's process group: go-plugin gives a plugin 2 s
// to exit, then kills it, then waits for its stdout and stderr to close,
// which never happens while a child of the plugin holds them.
const closeGrace = 3 * time.Second

// close stops the plugin: gracefully through go-plugin when it is healthy,
// which also force-kills it after a grace period; then it kills what is
// left of the plugin's process group, the processes the plugin started.
func (p *process) close() {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		p.client.Kill()
	}()
	select {
	case <-stopped:
	case <-time.After(closeGrace):
		killGroup(int(p.group.Load()))
		<-stopped
	}
	killGroup(int(p.group.Load()))
	if p.onClose != nil {
		p.onClose()
		p.onClose = nil
	}
	liveMu.Lock()
	delete(live, p)
	liveMu.Unlock()
}

// pid returns the plugin's process id, or 0 before it started.
func (p *process) pid() int {
	if p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *process) stderrNote() string {
	s := strings.TrimSpace(p.stderr.String())
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	// A Go crash puts its cause on the first line of a long trace.
	var cause string
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			cause = l
			break
		}
	}
	if len(lines) > 6 {
		lines = lines[len(lines)-6:]
	}
	note := "; its stderr ends:\n  " + strings.Join(lines, "\n  ")
	if cause != "" && !strings.Contains(note, cause) {
		note = "; " + cause + note
	}
	return note
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// stdoutGuard receives whatever the plugin writes to its stdout after the
// handshake (go-plugin forwards it); any byte is a protocol violation.
type stdoutGuard struct {
	p   *process
	mu  sync.Mutex
	out []byte
}

func (g *stdoutGuard) Write(b []byte) (int, error) {
	g.mu.Lock()
	if len(g.out) < 200 {
		g.out = append(g.out, b[:min(len(b), 200-len(g.out))]...)
	}
	g.mu.Unlock()
	return len(b), nil
}

func (g *stdoutGuard) seen() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.out) == 0 {
		return ""
	}
	if t := bytes.TrimSpace(g.out); len(t) > 0 {
		return string(t)
	}
	return string(g.out)
}

// logWriter logs what a plugin writes to os.Stderr after the handshake
// (go-plugin forwards it separately from the process's own stderr).
type logWriter struct {
	log  hclog.Logger
	tail *tail
}

func (w *logWriter) Write(b []byte) (int, error) {
	_, _ = w.tail.Write(b)
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		w.log.Info(line)
	}
	return len(b), nil
}
