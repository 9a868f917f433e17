package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var check bool
		var timeout time.Duration
		cmd := &cobra.Command{
			Use:   "analyzers [ANALYZER]",
			Short: "List installed analyzers with version, kind and status, or describe one",
			Long: `List every folder of the analyzers folder (--analyzers, env TDW_ANALYZERS) with
its analyzer's name, version, kind and status, sorted by name. Status is "ok", or
"error: " and what is wrong: a manifest field (by JSON path), a missing or
non-executable plugin binary, or an artifact it reads that no analyzer provides.

With --check every analyzer whose manifest is fine is also launched, and its
plugin must answer the handshake and describe itself with the name, version
and kind of its analyzer.json; a CHECKED column says what was checked.

With ANALYZER, describe that analyzer: what it reads (hooks and positions,
logits, weights, context, artifacts), the arrays it writes with dtype and
shape, and its parameters.

Exits 1 when any analyzer is not ok, after printing the whole table.`,
			Example: `  tdw-host analyzers
  tdw-host analyzers neuron_freq_norm
  tdw-host analyzers --check
  TDW_ANALYZERS=~/my_analyzers tdw-host analyzers`,
			Args: cobra.MaximumNArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				reg, probs, err := a.discoverAnalyzers()
				if err != nil {
					return err
				}
				if len(args) == 1 {
					m, err := reg.Get(args[0])
					if err != nil {
						return err
					}
					return describeAnalyzer(a.stdout, m)
				}
				t := statusTable{header: []string{"NAME", "VERSION", "KIND", "STATUS"}}
				if check {
					t.header = []string{"NAME", "VERSION", "KIND", "CHECKED", "STATUS"}
				}
				for _, m := range reg.List() {
					status, checked := "ok", ""
					if check {
						var err error
						if checked, err = a.checkAnalyzer(cmd.Context(), m, timeout); err != nil {
							status = "error: " + err.Error()
						}
					}
					t.add(withChecked(check, checked, m.Name, m.Version, string(m.Kind), status)...)
				}
				for _, p := range probs {
					t.add(withChecked(check, "-", p.Name, "-", "-", "error: "+p.Err.Error())...)
				}
				return t.write(a.stdout, "analyzers", a.cfg.AnalyzersDir)
			}),
		}
		cmd.Flags().BoolVar(&check, "check", false, "launch each plugin and check it describes itself as its analyzer.json says")
		cmd.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "with --check, how long a plugin may take to start and describe itself")
		return cmd
	})
}

// checkAnalyzer launches an analyzer's plugin, which pluginhost checks
// against the manifest's name, version and kind, and closes it. It says
// what it checked: as far as it got.
func (a *app) checkAnalyzer(ctx context.Context, m *registry.AnalyzerManifest, timeout time.Duration) (string, error) {
	p, err := analysis.PluginLauncher(pluginhost.Options{Logger: a.log, StartTimeout: timeout})(ctx, m, 0)
	if err != nil {
		return "not started (launch or handshake failed)", err
	}
	// pluginhost compares only the fields it was given; compare all here too.
	info := p.Info()
	checked := fmt.Sprintf("launched, handshake ok, reports %s %s %s", info.Name, info.Version, info.Kind)
	checkErr := m.CheckInfo(info)
	if err := p.Close(); err != nil && checkErr == nil {
		a.log.Debug("closing analyzer plugin", "analyzer", m.Name, "error", err)
	}
	return checked, checkErr
}

// withChecked puts the CHECKED cell before the status (the last cell)
// when --check asked for it.
func withChecked(check bool, checked string, cells ...string) []string {
	if !check {
		return cells
	}
	if checked == "" {
		checked = "-"
	}
	n := len(cells)
	return append(append(append([]string(nil), cells[:n-1]...), checked), cells[n-1])
}

// describeAnalyzer prints one analyzer's manifest for people choosing or
// writing analyzers.
func describeAnalyzer(w io.Writer, m *registry.AnalyzerManifest) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s): %s\n", m.Name, m.Version, m.Kind, m.Description)
	fmt.Fprintf(&b, "families: %s\ncommand: %s %s\n", strings.Join(m.Families, ", "), m.CommandPath, strings.Join(m.Args, " "))
	if len(m.Requires) > 0 {
		fmt.Fprintf(&b, "requires: %s (not applicable to a model without them)\n", strings.Join(m.Requires, ", "))
	}
	if m.Timeout > 0 {
		fmt.Fprintf(&b, "timeout: %s per call\n", m.Timeout)
	}
	in := m.Inputs
	b.WriteString("\ninputs:\n")
	for _, h := range in.Hooks {
		fmt.Fprintf(&b, "  hook %s at %s\n", h.Name, h.Positions)
	}
	if in.Logits != nil {
		fmt.Fprintf(&b, "  logits at %s\n", in.Logits)
	}
	if len(in.Weights) > 0 {
		fmt.Fprintf(&b, "  weights %s\n", strings.Join(in.Weights, ", "))
	}
	if len(in.Context) > 0 {
		fmt.Fprintf(&b, "  context %s\n", strings.Join(in.Context, ", "))
	}
	for _, r := range in.Artifacts {
		fmt.Fprintf(&b, "  artifact %s\n", r)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, sec := range []struct {
		title string
		specs []registry.OutputSpec
	}{{"outputs", m.Outputs}, {"summary", m.Summary}} {
		if len(sec.specs) == 0 {
			continue
		}
		if _, err := fmt.Fprintf(w, "\n%s:\n", sec.title); err != nil {
			return err
		}
		rows := make([][]string, len(sec.specs))
		for i, o := range sec.specs {
			rows[i] = []string{"  " + o.Name, o.DTypeString(), o.Shape, o.Description}
		}
		if err := writeRows(w, rows); err != nil {
			return err
		}
	}
	if len(m.Parameters) > 0 {
		if _, err := io.WriteString(w, "\nparameters:\n"); err != nil {
			return err
		}
		var rows [][]string
		for _, name := range m.Parameters.Names() {
			s := m.Parameters[name]
			rows = append(rows, []string{"  " + name, string(s.Type), "default " + defaultText(s.Default), rangeText(s), s.Description})
		}
		return writeRows(w, rows)
	}
	return nil
}
