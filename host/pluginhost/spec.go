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
	// CallTimeout is the deadline of every call to the plugin (an analyzer's
	// Begin, each Analyze, End and AnalyzeAcross; each call of a family),
	// typically analyzer.json's "timeout"; 0 means DefaultCallTimeout. A
	// plugin that misses it is killed. A caller's context deadline still
	// applies.
	CallTimeout time.Duration
	// MaxReplyBytes, when positive, caps the tensor bytes of one analyzer
	// reply (Analyze, AnalyzeAcross): a reply announcing more is refused as
	// it arrives, before it takes memory; the plugin stays usable.
	MaxReplyBytes int64
}

// DefaultCallTimeout is the deadline of each call when Spec.CallTimeout is
// 0: the host's default for an analyzer.json without "timeout".
const DefaultCallTimeout = 10 * time.Minute

// Options tune launching and calling. The zero value is usable.
type Options struct {
	// Logger is the parent logger; each plugin logs through a sub-logger
	// named after it. Nil means hclog.Default().
	Logger hclog.Logger
	// StartTimeout bounds the launch: process start, handshake and Describe.
	// Default 20s.
	StartTimeout time.Duration
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
	return o
}
