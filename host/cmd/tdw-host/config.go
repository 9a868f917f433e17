package main

import (
	"fmt"
	"slices"
	"strings"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/model"
)

// config holds the global settings every command shares. Each folder comes
// from its flag, else its environment variable, else the default.
type config struct {
	ResultsDir   string
	FamiliesDir  string
	AnalyzersDir string
	LogLevel     string
	// Backend names the engine backend of every model the command makes
	// ("cpu" or "gorgonia"; empty: the engine's default).
	Backend string
	// aliases holds the values of the --NAME-dir spellings of the folder
	// flags, by flag name.
	aliases map[string]*string
}

// globalFlag describes one folder flag and where its value may come from.
type globalFlag struct {
	name, env, def, usage string
	dst                   func(*config) *string
}

var globalFlags = []globalFlag{
	{"results", "TDW_RESULTS", "./results", "results folder `DIR`: DIR/{family}/{variant}/",
		func(c *config) *string { return &c.ResultsDir }},
	{"families", "TDW_FAMILIES", "./model_families", "model families folder `DIR`: DIR/{family}/family.json",
		func(c *config) *string { return &c.FamiliesDir }},
	{"analyzers", "TDW_ANALYZERS", "./analyzers", "analyzers folder `DIR`: DIR/{analyzer}/analyzer.json",
		func(c *config) *string { return &c.AnalyzersDir }},
}

// logLevels are the accepted --log-level values.
var logLevels = []string{"trace", "debug", "info", "warn", "error", "off"}

// addGlobalFlags registers the persistent flags on the root command. Each
// folder flag also answers to NAME-dir, because analyze and run use
// --analyzers for the analyzers to run (issue 5's spelling): there the folder
// is given as --analyzers-dir or TDW_ANALYZERS.
func addGlobalFlags(root *cobra.Command, c *config) {
	pf := root.PersistentFlags()
	c.aliases = map[string]*string{}
	for _, g := range globalFlags {
		pf.StringVar(g.dst(c), g.name, g.def, fmt.Sprintf("%s (env %s)", g.usage, g.env))
		root.PersistentFlags().Lookup(g.name).DefValue = g.def
		_ = pf.SetAnnotation(g.name, cobra.BashCompSubdirsInDir, []string{})
		alias := new(string)
		c.aliases[g.name] = alias
		pf.StringVar(alias, g.name+"-dir", "", "same as --"+g.name)
		_ = pf.SetAnnotation(g.name+"-dir", cobra.BashCompSubdirsInDir, []string{})
	}
	pf.StringVar(&c.Backend, "backend", "", "engine `BACKEND` for forward passes and training: "+strings.Join(model.BackendNames, ", ")+" (env TDW_BACKEND; default auto: cuda when a GPU answers, else gorgonia)")
	pf.StringVar(&c.LogLevel, "log-level", "warn", "`LEVEL` of the logs on stderr: "+strings.Join(logLevels, ", ")+" (env TDW_LOG_LEVEL)")
}

// resolve applies environment variables to flags not given on the command
// line (flag > env > default) and checks the values.
func (c *config) resolve(cmd *cobra.Command, env func(string) (string, bool)) error {
	flags := cmd.Flags()
	root := cmd.Root().PersistentFlags()
	for _, g := range globalFlags {
		// A command may shadow the flag with one of its own (analyze's
		// --analyzers): then only the -dir spelling sets the folder.
		own := flags.Lookup(g.name) == root.Lookup(g.name)
		switch {
		case flags.Changed(g.name + "-dir"):
			*g.dst(c) = *c.aliases[g.name]
		case own && flags.Changed(g.name):
		default:
			if v, ok := env(g.env); ok && v != "" {
				*g.dst(c) = v
			}
		}
		if *g.dst(c) == "" {
			return usageErrorf("--%s: empty folder", g.name)
		}
	}
	backendFrom := "--backend"
	if !flags.Changed("backend") {
		if v, ok := env(model.BackendEnv); ok {
			c.Backend, backendFrom = strings.TrimSpace(v), model.BackendEnv
		}
	}
	if c.Backend != "" && !slices.Contains(model.BackendNames, c.Backend) {
		return usageErrorf("%s: backend %q: want one of %s", backendFrom, c.Backend, strings.Join(model.BackendNames, ", "))
	}
	if !flags.Changed("log-level") {
		if v, ok := env("TDW_LOG_LEVEL"); ok && v != "" {
			c.LogLevel = v
		}
	}
	c.LogLevel = strings.ToLower(c.LogLevel)
	for _, l := range logLevels {
		if c.LogLevel == l {
			return nil
		}
	}
	return usageErrorf("--log-level: %q is not one of %s", c.LogLevel, strings.Join(logLevels, ", "))
}

// logLevel maps the --log-level value to hclog's.
func (c *config) logLevel() hclog.Level {
	return hclog.LevelFromString(c.LogLevel) // "off" maps to hclog.Off
}
