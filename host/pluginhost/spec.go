package pluginhost

import (
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/sdk"
)

// Spec says which plugin binary to launch and what the caller expects it to
// be, typically read from its analyzer.json or family.json.
type Spec struct {
	// Name, Version and Kind are checked against the plugin's own Info;
	// an empty field is not checked. Kind applies to analyzers only.
	Name    string
	Version string
	Kind    sdk.Kind
	// Command is the plugin binary; Args are passed to it.
	Command string
	Args    []string
	// Dir is the working directory; empty means Command's directory.
	Dir string
	// Outputs, when not nil, are the arrays an analyzer must return (from
	// Analyze or AnalyzeAcross): exactly these names, each with its dtype and
	// shape. Summary statistics are not checked against Outputs.
	Outputs []OutputSpec
}

// OutputSpec is one declared output array. A nil Shape accepts any shape; a
// dimension of -1 accepts any length along that axis.
type OutputSpec struct {
	Name  string
	DType sdk.DType
	Shape []int
}

// Options tune launching and calling. The zero value is usable.
type Options struct {
	// Logger is the parent logger; each plugin logs through a sub-logger
	// named after it. Nil means hclog.Default().
	Logger hclog.Logger
	// StartTimeout bounds the launch: process start, handshake and Describe.
	// Default 20s.
	StartTimeout time.Duration
	// CallTimeout is the deadline of each call. A plugin that misses it is
	// killed. Default 30m; a caller's context deadline still applies.
	CallTimeout time.Duration
	// NoSharedMemory turns off the shared-memory tensor path, so every tensor
	// is streamed over gRPC (see docs/protocol.md).
	NoSharedMemory bool
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.Default()
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 20 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Minute
	}
	return o
}
