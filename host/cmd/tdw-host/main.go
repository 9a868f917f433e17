// Command tdw-host is the Training Dynamics Workbench host: it discovers
// model families and analyzers, trains variants, runs forward passes and
// analyses through out-of-process plugins, and serves results.
//
// Each command lives in its own file (cmd_NAME.go) and registers itself with
// addCommand; the global flags and their environment variables are in
// config.go, exit codes in exit.go. See docs/cli.md.
package main

import (
	"os"

	"github.com/tdw-workbench/tdw/host/pluginhost"
)

func main() {
	if len(os.Args) > 0 && os.Args[0] != "" {
		invokedAs = os.Args[0]
	}
	code := execute(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	// No plugin process outlives the host, whatever a command left running.
	pluginhost.CloseAll()
	os.Exit(code)
}
