// Command faultplugin is the analyzer (or family) plugin the pluginhost tests
// launch; its first argument picks a behaviour, well-behaved or faulty.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/tdw-workbench/tdw/host/pluginhost/internal/rowsum"
	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

var mode = "rowsum"

// analyzer is rowsum.Analyzer misbehaving as mode says.
type analyzer struct{}

func (analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: mode, Version: "1.0.0", Kind: sdk.PerCheckpoint}
}

// run is kept for mode "callback", which calls the host back.
var run *sdk.Run

func (analyzer) Begin(_ context.Context, r *sdk.Run) error {
	if mode == "hang_begin" {
		select {}
	}
	run = r
	return nil
}

func (analyzer) End(context.Context) error {
	if mode == "hang_end" {
		select {}
	}
	return nil
}

func (analyzer) Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "faultplugin: exiting mid-call")
		os.Exit(3)
	case "goroutine-panic":
		done := make(chan struct{})
		go func() { panic("faultplugin: boom in a goroutine") }()
		<-done
	case "panic":
		panic("faultplugin: boom")
	case "hang", "child-hang":
		select {}
	case "stdout":
		fmt.Println("hello from a plugin's stdout")
	}
	t0 := time.Now()
	res, err := rowsum.Analyzer{Name: mode}.Analyze(ctx, withH(cp))
	if err != nil {
		return nil, err
	}
	if mode == "timed" {
		// The benchmark splits a call's time into the analyzer's and the rest.
		res.Summary = map[string]*sdk.Tensor{"analyze_ns": sdk.Scalar(float64(time.Since(t0).Nanoseconds()))}
	}
	if mode == "callback" {
		if run == nil || run.Host == nil {
			return nil, fmt.Errorf("no host to call back")
		}
		ev, err := run.Host.Evaluate(ctx, sdk.EvalRequest{Replace: map[string]*sdk.Tensor{"W": cp.Hooks["h"]}, Split: sdk.SplitTrain})
		if err != nil {
			return nil, fmt.Errorf("host Evaluate: %w", err)
		}
		fw, err := run.Host.Forward(ctx, []string{"hook_embed"}, "last")
		if err != nil {
			return nil, fmt.Errorf("host Forward: %w", err)
		}
		res.Summary = map[string]*sdk.Tensor{"loss": sdk.Scalar(ev.Loss), "embed": fw["hook_embed"]}
	}
	return misbehave(cp.Epoch, res), nil
}

// family is a tiny family for launch tests.
type family struct{}

func (family) Info() sdk.FamilyInfo { return sdk.FamilyInfo{Name: "tiny", Version: "0.1.0"} }
func (family) ModelConfig(_ context.Context, p sdk.Params) (sdk.ModelConfig, error) {
	n, err := p.Int("p")
	return sdk.ModelConfig{NLayers: 1, DVocab: n + 1, DVocabOut: n, NCtx: 3}, err
}
func (family) TrainingData(context.Context, sdk.Params) (*sdk.TrainingData, error) {
	return nil, fmt.Errorf("tiny has no training data")
}
func (family) Probe(context.Context, sdk.Params) (*sdk.Dataset, error) {
	return &sdk.Dataset{Tokens: sdk.FromInt64([]int64{0, 1, 2}, 1, 3), Labels: sdk.FromInt64([]int64{1}, 1)}, nil
}
func (family) AnalysisContext(context.Context, sdk.Params) (map[string]*sdk.Tensor, error) {
	return nil, nil
}
func (family) TrainingConfig(context.Context, sdk.Params) (sdk.TrainingConfig, error) {
	return sdk.TrainingConfig{Epochs: 10}, nil
}

func main() {
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "family":
		plugin.ServeFamily(family{})
	case "stdout-early":
		fmt.Println("starting up!")
		plugin.ServeAnalyzer(analyzer{})
	case "slow-start":
		time.Sleep(time.Minute)
	case "exit-early":
		fmt.Fprintln(os.Stderr, "faultplugin: cannot start: no model here")
		os.Exit(4)
	case "child", "child-hang":
		startChild()
		plugin.ServeAnalyzer(analyzer{})
	case "version":
		hs := rpc.Handshake
		hs.ProtocolVersion = rpc.ProtocolVersion + 1
		goplugin.Serve(&goplugin.ServeConfig{
			HandshakeConfig: hs,
			Plugins:         goplugin.PluginSet{rpc.AnalyzerPluginName: &rpc.AnalyzerPlugin{Impl: analyzer{}}},
			GRPCServer:      rpc.GRPCServer,
		})
	default:
		plugin.ServeAnalyzer(analyzer{})
	}
}

// startChild starts a long sleep that shares the plugin's stderr, as a
// helper process a plugin runs might, and writes its pid to the file named
// by the second argument.
func startChild() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "faultplugin: child modes want a pid file argument")
		os.Exit(2)
	}
	c := exec.Command("sleep", "300")
	c.Stderr = os.Stderr
	if err := c.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "faultplugin:", err)
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[2], []byte(strconv.Itoa(c.Process.Pid)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "faultplugin:", err)
		os.Exit(2)
	}
}
