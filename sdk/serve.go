package sdk

import (
	"os"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
)

// ServeAnalyzer serves a per-checkpoint analyzer and is the whole of its
// plugin's main. It returns when the host closes the plugin. Logs go to
// stderr through hclog (hclog.Default()); a plugin must never write to
// stdout, which the host treats as a protocol violation.
func ServeAnalyzer(a Analyzer) { serve(AnalyzerPluginName, &AnalyzerPlugin{Impl: a}, a.Info().Name) }

// ServeCrossEpoch serves a cross-epoch analyzer, as ServeAnalyzer does for
// per-checkpoint ones. Both kinds travel under the same "analyzer" plugin;
// the host learns the kind from Info.
func ServeCrossEpoch(a CrossEpochAnalyzer) {
	serve(AnalyzerPluginName, &AnalyzerPlugin{Impl: a}, a.Info().Name)
}

// ServeFamily serves a model family and is the whole of its plugin's main.
func ServeFamily(f Family) { serve(FamilyPluginName, &FamilyPlugin{Impl: f}, f.Info().Name) }

func serve(kind string, p plugin.Plugin, name string) {
	log := hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Output:     os.Stderr,
		Level:      hclog.Info,
		JSONFormat: true, // go-plugin's host parses JSON lines into its own logger
	})
	hclog.SetDefault(log)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{kind: p},
		GRPCServer:      GRPCServer,
		Logger:          log,
	})
}
