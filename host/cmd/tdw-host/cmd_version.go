package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/model/cuda"
	"github.com/tdw-workbench/tdw/internal/rpc"
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

// cudaDevices says what the CUDA driver reports: its version and each
// device, or why there is none.
func cudaDevices() string {
	p, err := cuda.Detect()
	if err != nil {
		if p != nil {
			return fmt.Sprintf("none: driver %s (%s): %v", p.DriverString(), p.Library, err)
		}
		return "none: " + err.Error()
	}
	devs := make([]string, len(p.Devices))
	for i, d := range p.Devices {
		devs[i] = d.String()
	}
	return fmt.Sprintf("driver %s (%s): %s", p.DriverString(), p.Library, strings.Join(devs, "; "))
}

func init() {
	addCommand(func(a *app) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print tdw's version, plugin protocol version, Go version, BLAS, engine backend and CUDA devices",
			Long: `Print tdw's version, the plugin protocol version this host speaks (plugins must
be built against an sdk with the same version), the Go toolchain and the BLAS
the engine's matrix products use (openblas when built with -tags openblas,
otherwise pure-Go gonum), the engine backend that --backend / TDW_BACKEND
select (auto by default: cuda when a GPU answers, else gorgonia; or cpu), and
the CUDA driver and devices found, or why there are none (the driver library
is loaded at run time: libcuda.so.1, or the path in TDW_CUDA_LIBRARY).`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, _ []string) error {
				be, err := model.DefaultBackend()
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(a.stdout, "tdw       %s\nprotocol  %d\ngo        %s %s/%s\nblas      %s\nengine    %s\ncuda      %s\n",
					tdwVersion(), rpc.ProtocolVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH, blasBackend, be.Name(), cudaDevices())
				return err
			}),
		}
	})
}
