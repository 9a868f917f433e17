// Package plugin is what a tdw plugin's main calls: ServeAnalyzer,
// ServeCrossEpoch or ServeFamily hands an implementation of one of package
// sdk's interfaces to the host and serves it until the host closes the
// plugin. A plugin's main is one line:
//
//	func main() { plugin.ServeAnalyzer(myAnalyzer{}) }
//
// The connection underneath (go-plugin's handshake, gRPC, tensor chunking and
// shared memory; docs/protocol.md) is private to the tdw module, so a plugin
// sees only sdk's plain types. docs/writing-an-analyzer.md walks through a
// whole plugin.
package plugin

import (
	"os"

	hclog "github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/sdk"
)

// ServeAnalyzer serves a per-checkpoint analyzer and is the whole of its
// plugin's main. It returns when the host closes the plugin. Logs go to
// stderr through hclog (hclog.Default()); a plugin must never write to
// stdout, which the host treats as a protocol violation. Run by hand rather
// than by the host, it says so on stderr and exits the process with status 1.
func ServeAnalyzer(a sdk.Analyzer) {
	serve(rpc.AnalyzerPluginName, &rpc.AnalyzerPlugin{Impl: a}, a.Info().Name)
}

// ServeCrossEpoch serves a cross-epoch analyzer, as ServeAnalyzer does for
// per-checkpoint ones. Both kinds travel under the same "analyzer" plugin;
// the host learns the kind from Info.
func ServeCrossEpoch(a sdk.CrossEpochAnalyzer) {
	serve(rpc.AnalyzerPluginName, &rpc.AnalyzerPlugin{Impl: a}, a.Info().Name)
}

// ServeFamily serves a model family and is the whole of its plugin's main,
// as ServeAnalyzer is for analyzers.
func ServeFamily(f sdk.Family) {
	serve(rpc.FamilyPluginName, &rpc.FamilyPlugin{Impl: f}, f.Info().Name)
}

func serve(kind string, p goplugin.Plugin, name string) {
	log := hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Output:     os.Stderr,
		Level:      hclog.Info,
		JSONFormat: true, // go-plugin's host parses JSON lines into its own logger
	})
	hclog.SetDefault(log)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: rpc.Handshake,
		Plugins:         goplugin.PluginSet{kind: p},
		GRPCServer:      rpc.GRPCServer,
		Logger:          log,
	})
}
