package main

import (
	"fmt"
	"io"
	"strings"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/serve"
)

// app is what every command shares: the resolved global configuration, the
// logger (stderr, through hclog) and the output streams. Commands print
// results to stdout and nothing else there.
type app struct {
	cfg    config
	log    hclog.Logger
	stdout io.Writer
	stderr io.Writer
	env    func(string) (string, bool)
	// scripts are what an HTML export inlines (Plotly.js and the page's
	// view script); empty, such an export fails with render.ErrNoPlotly.
	scripts render.HTMLScripts
	// self is how the user ran tdw-host ("./bin/tdw-host" after make), for
	// the commands that hints suggest.
	self string
}

// invokedAs is how this process was run (main sets it from os.Args[0]):
// hints name a command the user can paste.
var invokedAs = "tdw-host"

// commandMakers builds each subcommand; every cmd_*.go file adds its own in
// an init function, so that commands are added without touching shared files.
var commandMakers []func(*app) *cobra.Command

// addCommand registers a subcommand maker. Call it from an init function.
func addCommand(make func(*app) *cobra.Command) { commandMakers = append(commandMakers, make) }

// newRoot builds the command tree for one execution.
func newRoot(a *app) *cobra.Command {
	// Subcommands may add their own pre-run hooks without losing the root's.
	cobra.EnableTraverseRunHooks = true
	root := &cobra.Command{
		Use:   "tdw-host",
		Short: "Training Dynamics Workbench: train small transformers and analyze them checkpoint by checkpoint",
		Long: `tdw-host discovers model families (model_families/*/family.json) and analyzers
(analyzers/*/analyzer.json), trains variants of a family, and runs analyzers over
every checkpoint through out-of-process plugins. Results land under the results
folder as .safetensors checkpoints and .npz artifacts that numpy, safetensors and
TransformerLens read without conversion.

Exit codes: 0 success, 1 runtime error, 2 usage error.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		// A Run makes cobra reject unknown commands instead of showing help.
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.cfg.resolve(cmd, a.env); err != nil {
				return err
			}
			a.log = hclog.New(&hclog.LoggerOptions{
				Name:   "tdw-host",
				Level:  a.cfg.logLevel(),
				Output: a.stderr,
			})
			// Every model made from here on (train, forward, analyze) runs on
			// the chosen backend; resolve checked the name, and a backend that
			// is not there (cuda without a device) says why.
			var be model.Backend
			if a.cfg.Backend != "" {
				var err error
				if be, err = model.BackendByName(a.cfg.Backend); err != nil {
					return &exitError{code: exitRuntime, err: err}
				}
			}
			model.SetDefaultBackend(be)
			return nil
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, cmd.CommandPath())
	})
	root.CompletionOptions.HiddenDefaultCmd = true
	addGlobalFlags(root, &a.cfg)
	for _, mk := range commandMakers {
		root.AddCommand(mk(a))
	}
	return root
}

// execute runs tdw-host with args and returns the exit code. Errors are
// printed to stderr on one line.
func execute(args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	a := &app{stdout: stdout, stderr: stderr, env: env, log: hclog.NewNullLogger(), self: invokedAs, scripts: serve.Scripts()}
	root := newRoot(a)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	msg := oneLine(err.Error())
	if code == exitUsage && cmd != nil && !hasHelpHint(msg) {
		msg += fmt.Sprintf(" (see '%s --help')", a.command(cmd.CommandPath()))
	}
	fmt.Fprintf(stderr, "tdw-host: %s\n", msg)
	return code
}

// command writes a tdw-host command line ("tdw-host sweep status x") as
// the user can run it: with the program as it was invoked.
func (a *app) command(line string) string {
	if rest, ok := strings.CutPrefix(line, "tdw-host"); ok {
		return a.self + rest
	}
	return line
}

func hasHelpHint(msg string) bool {
	return len(msg) > 8 && msg[len(msg)-8:] == "--help')"
}

// discoverAnalyzers loads the analyzers folder. Broken analyzer folders come
// back as problems, not as an error.
func (a *app) discoverAnalyzers() (*registry.AnalyzerRegistry, []*registry.DiscoveryError, error) {
	r := registry.NewAnalyzerRegistry()
	probs, err := r.Discover(a.cfg.AnalyzersDir)
	for _, p := range probs {
		a.log.Info("analyzer not loaded", "folder", p.Name, "error", p.Err)
	}
	return r, probs, err
}

// discoverFamilies loads the model families folder. Broken family folders
// come back as problems, not as an error.
func (a *app) discoverFamilies() (*registry.FamilyRegistry, []*registry.DiscoveryError, error) {
	r := registry.NewFamilyRegistry()
	probs, err := r.Discover(a.cfg.FamiliesDir)
	for _, p := range probs {
		a.log.Info("family not loaded", "folder", p.Name, "error", p.Err)
	}
	return r, probs, err
}
