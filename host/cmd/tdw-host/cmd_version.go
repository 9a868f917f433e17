package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/sdk"
)

// version is tdw's version, set at link time with
// -ldflags "-X main.version=1.2.3"; otherwise taken from the module build
// information, else "dev".
var version = ""

// tdwVersion returns the version recorded in metadata.json and checkpoints.
func tdwVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func init() {
	addCommand(func(a *app) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print tdw's version, plugin protocol version, Go version and BLAS backend",
			Long: `Print tdw's version, the plugin protocol version this host speaks (plugins must
be built against an sdk with the same version), the Go toolchain and the BLAS
the engine's matrix products use (openblas when built with -tags openblas,
otherwise pure-Go gonum).`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintf(a.stdout, "tdw       %s\nprotocol  %d\ngo        %s %s/%s\nblas      %s\n",
					tdwVersion(), sdk.ProtocolVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH, blasBackend)
				return err
			}),
		}
	})
}
