// Package sdktest runs analyzers and families in-process through the real
// gRPC path of a plugin (go-plugin's test connection, the host's client and
// the plugin's server that sdk/plugin serves, chunking and, optionally,
// shared memory), so a plugin is tested without building a binary.
//
// A test that needs the host's callback service sets Run.Host in Begin (or
// AnalyzeAcross) to its own sdk.Host; the plugin reaches it through the
// go-plugin broker as it would in production.
package sdktest

import (
	"context"
	"testing"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/sdk"
)

// Options configure the connection.
type Options struct {
	// SharedMemory passes large tensors through shared memory as the host
	// does; off, every tensor is streamed in chunks.
	SharedMemory bool
}

// AnalyzerConn is the host's handle on an analyzer served through gRPC, as
// tdw-host holds it: it answers both the per-checkpoint calls and
// AnalyzeAcross, and a call the analyzer's kind does not offer returns the
// plugin's "unimplemented" error. Close frees the connection's shared memory;
// the test's end closes it too.
type AnalyzerConn interface {
	sdk.Analyzer
	sdk.CrossEpochAnalyzer
	Close() error
}

// Analyzer connects to impl (an sdk.Analyzer or sdk.CrossEpochAnalyzer)
// through gRPC and returns the host's handle on it. The connection is closed
// when the test ends. It fails the test if the connection cannot be made.
func Analyzer(t testing.TB, impl any, opts Options) AnalyzerConn {
	t.Helper()
	p := &rpc.AnalyzerPlugin{Impl: impl, SharedMemory: opts.SharedMemory}
	c := dispense(t, rpc.AnalyzerPluginName, p).(*rpc.AnalyzerClient)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Family connects to impl through gRPC and returns the host's handle on it:
// an sdk.Family whose every method calls impl through the plugin path.
func Family(t testing.TB, impl sdk.Family) sdk.Family {
	t.Helper()
	return dispense(t, rpc.FamilyPluginName, &rpc.FamilyPlugin{Impl: impl}).(*rpc.FamilyClient)
}

func dispense(t testing.TB, name string, p plugin.Plugin) any {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{name: p})
	// Close asks the server to stop through go-plugin's controller; stopping
	// it here as well would race with that.
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(name)
	if err != nil {
		t.Fatalf("sdktest: dispense %s: %v", name, err)
	}
	return raw
}

// AnalyzeOnce runs one checkpoint through impl's plugin path (Analyzer with
// opts): Begin with run, Analyze cp, End. It fails the test on any error and
// returns the result, e.g. to compare with SameResult against an in-process
// call.
func AnalyzeOnce(t testing.TB, impl sdk.Analyzer, opts Options, run *sdk.Run, cp *sdk.Checkpoint) *sdk.Result {
	t.Helper()
	c := Analyzer(t, impl, opts)
	ctx := context.Background()
	if err := c.Begin(ctx, run); err != nil {
		t.Fatalf("sdktest: Begin: %v", err)
	}
	res, err := c.Analyze(ctx, cp)
	if err != nil {
		t.Fatalf("sdktest: Analyze: %v", err)
	}
	if err := c.End(ctx); err != nil {
		t.Fatalf("sdktest: End: %v", err)
	}
	return res
}
