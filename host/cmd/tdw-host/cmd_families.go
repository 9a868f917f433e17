package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var check bool
		var timeout time.Duration
		cmd := &cobra.Command{
			Use:   "families [FAMILY]",
			Short: "List installed model families, or describe one",
			Long: `Without an argument, list every folder of the model families folder (--families,
env TDW_FAMILIES) with its family's name, version, default preset, number of
default analyzers and status, sorted by name. Status is "ok", or "error: " and
what is wrong: a family.json field (by JSON path), a missing or non-executable
plugin binary, or a default analyzer that is not installed or does not apply.

With FAMILY, describe that family: its domain parameters (the -p NAME=VALUE of
'tdw-host train'), variant name pattern, training defaults, presets and default
analyzers.

With --check every family whose manifest is fine is also launched: its plugin
must answer the handshake, describe itself with the name and version of its
family.json, and, at default parameters, produce a model configuration that
agrees with every architecture key family.json gives; a CHECKED column says
what was checked.

Exits 1 when any listed family is not ok, after printing.`,
			Example: `  tdw-host families
  tdw-host families modulo_addition_1layer
  tdw-host families --check`,
			Args: cobra.MaximumNArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				fams, probs, err := a.discoverFamilies()
				if err != nil {
					return err
				}
				ans, _, err := a.discoverAnalyzers()
				if err != nil {
					// Families still list; their analyzer column says why.
					a.log.Warn("analyzers not discovered", "error", err)
				}
				if len(args) == 1 {
					f, err := fams.Get(args[0])
					if err != nil {
						return err
					}
					return describeFamily(a.stdout, f, ans, a.self)
				}
				t := statusTable{header: []string{"NAME", "VERSION", "DEFAULT_PRESET", "ANALYZERS", "STATUS"}}
				if check {
					t.header = []string{"NAME", "VERSION", "DEFAULT_PRESET", "ANALYZERS", "CHECKED", "STATUS"}
				}
				for _, f := range fams.List() {
					status, checked := "ok", ""
					if _, err := ans.ForFamily(f); err != nil {
						status, checked = "error: "+err.Error(), "not launched (analyzers)"
					} else if err := ans.CheckPages(f); err != nil {
						status, checked = "error: "+err.Error(), "not launched (pages)"
					} else if check {
						var err error
						if checked, err = a.checkFamily(cmd.Context(), f, timeout); err != nil {
							status = "error: " + err.Error()
						}
					}
					preset := f.DefaultPreset
					if preset == "" {
						preset = "-"
					}
					t.add(withChecked(check, checked, f.Name, f.Version, preset, strconv.Itoa(len(f.Analyzers)), status)...)
				}
				for _, p := range probs {
					t.add(withChecked(check, "-", p.Name, "-", "-", "-", "error: "+p.Err.Error())...)
				}
				return t.write(a.stdout, "families", a.cfg.FamiliesDir)
			}),
		}
		cmd.Flags().BoolVar(&check, "check", false, "launch each plugin and check it describes itself as its family.json says")
		cmd.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "with --check, how long a plugin may take to start and describe itself")
		return cmd
	})
}

// checkFamily launches a family's plugin, which pluginhost checks against the
// manifest's name and version, and closes it. It says what it checked: as
// far as it got.
func (a *app) checkFamily(ctx context.Context, f *registry.FamilyManifest, timeout time.Duration) (string, error) {
	p, err := job.LaunchFamily(ctx, f, pluginhost.Options{Logger: a.log, StartTimeout: timeout})
	if err != nil {
		return "not started (launch or handshake failed)", err
	}
	info := p.Info()
	checked := fmt.Sprintf("launched, handshake ok, reports %s %s", info.Name, info.Version)
	var checkErr error
	if info.Name != f.Name || info.Version != f.Version {
		checkErr = fmt.Errorf("family %s: plugin %s describes itself as %q version %q (family.json says %q version %q)",
			f.Name, f.CommandPath, info.Name, info.Version, f.Name, f.Version)
	} else if params, err := registry.ValidateParams(f.DomainParameters, nil); err == nil {
		// With every parameter at its default, the plugin's model must have
		// the architecture family.json fixes.
		cfg, err := p.ModelConfig(ctx, params)
		if err == nil {
			err = f.Architecture.Check(cfg)
		}
		if err != nil {
			checkErr = fmt.Errorf("family %s: plugin %s at default parameters: %w", f.Name, f.CommandPath, err)
		} else {
			checked += ", model at default parameters matches family.json's architecture"
		}
	}
	if checkErr == nil {
		checkErr = checkGenerators(f, p.ProbeGenerators())
	}
	if err := p.Close(); err != nil {
		a.log.Debug("closing family plugin", "family", f.Name, "error", err)
	}
	return checked, checkErr
}

// checkGenerators refuses a family.json probe whose generator the plugin
// does not list.
func checkGenerators(f *registry.FamilyManifest, have []string) error {
	for _, s := range f.ProbeSpecs() {
		if s.Generator != "" && !slices.Contains(have, s.Generator) {
			return fmt.Errorf("family %s: probes.%s names generator %q, which plugin %s does not list (it lists: %s)",
				f.Name, s.Name, s.Generator, f.CommandPath, orDash(strings.Join(have, ", ")))
		}
	}
	return nil
}

// describeFamily prints one family's manifest for people choosing parameters.
func describeFamily(w io.Writer, f *registry.FamilyManifest, ans *registry.AnalyzerRegistry, self string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n%s\n\n", f.Name, f.Version, f.DisplayName, f.Description)
	fmt.Fprintf(&b, "variant folder: %s\n\n", f.VariantPattern)
	b.WriteString("domain parameters (" + self + " train -p NAME=VALUE):\n")
	var rows [][]string
	for _, name := range f.DomainParameters.Names() {
		s := f.DomainParameters[name]
		rows = append(rows, []string{"  " + name, string(s.Type), "default " + defaultText(s.Default), rangeText(s), s.Description})
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := writeRows(w, rows); err != nil {
		return err
	}
	b.Reset()
	t := f.Training
	fmt.Fprintf(&b, "\ntraining: %s lr %g, weight_decay %g, betas (%g, %g), eps %g, %d epochs, batch %s, frozen [%s], loss at %s\n",
		t.Optimizer, t.LR, t.WeightDecay, t.Betas[0], t.Betas[1], t.Eps, t.Epochs, batchText(t.BatchSize),
		strings.Join(t.Frozen, ", "), t.LossPositions)
	fmt.Fprintf(&b, "checkpoints: %s\n", t.Checkpoints)
	if len(f.Presets) > 0 {
		b.WriteString("\npresets:\n")
		for _, name := range f.PresetNames() {
			p := f.Presets[name]
			mark := ""
			if name == f.DefaultPreset {
				mark = " (default)"
			}
			var ps []string
			for _, k := range p.Params.Names() {
				ps = append(ps, k+"="+registry.FormatValue(p.Params[k]))
			}
			fmt.Fprintf(&b, "  %s%s: %s\n    params: %s; %d epochs; checkpoints %s\n",
				name, mark, p.Description, orDash(strings.Join(ps, " ")), p.Training.Epochs, p.Training.Checkpoints)
		}
	}
	b.WriteString("\nprobes (tdw-host analyze --probe NAME):\n")
	for _, s := range f.ProbeSpecs() {
		mark := ""
		if s.Name == f.CanonicalProbe().Name {
			mark = " (default)"
		}
		gen := "the plugin's Probe call"
		if s.Generator != "" {
			gen = strings.TrimSpace("generator " + s.Generator + " " + registry.FormatProbeParams(s.Params))
		}
		fmt.Fprintf(&b, "  %s%s: %s (%s)\n", s.Name, mark, s.Description, gen)
	}
	b.WriteString("\nanalyzers:\n")
	for _, name := range f.Analyzers {
		status := "ok"
		if m, err := ans.Get(name); err != nil {
			status = "error: " + err.Error()
		} else if !m.AcceptsFamily(f.Name) {
			status = "error: does not apply to this family"
		}
		fmt.Fprintf(&b, "  %s: %s\n", name, oneLine(status))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeRows prints aligned rows without a header.
func writeRows(w io.Writer, rows [][]string) error {
	if len(rows) == 0 {
		_, err := io.WriteString(w, "  (none)\n")
		return err
	}
	return writeTable(w, rows[0], rows[1:])
}

func defaultText(v any) string {
	if v == nil {
		return "(required)"
	}
	return registry.FormatValue(v)
}

func rangeText(s registry.ParamSpec) string {
	var parts []string
	if s.Min != nil {
		parts = append(parts, "min "+strconv.FormatFloat(*s.Min, 'g', -1, 64))
	}
	if s.Max != nil {
		parts = append(parts, "max "+strconv.FormatFloat(*s.Max, 'g', -1, 64))
	}
	if len(s.Choices) > 0 {
		cs := make([]string, len(s.Choices))
		for i, c := range s.Choices {
			cs[i] = registry.FormatValue(c)
		}
		parts = append(parts, "one of "+strings.Join(cs, "|"))
	}
	return orDash(strings.Join(parts, ", "))
}

func batchText(n int) string {
	if n == 0 {
		return "full"
	}
	return strconv.Itoa(n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
