package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var va variantArg
		var all bool
		var probeName string
		cmd := &cobra.Command{
			Use:   "artifacts VARIANT",
			Short: "List a variant's analysis artifacts: what exists, what is missing, what is stale",
			Long: `For each analyzer of the variant's family (or every installed analyzer that
applies, with --all), count the checkpoints whose artifact is up to date, missing,
or stale (computed from another checkpoint file, another analyzer version, or other
settings than the defaults, or over another content of the probe), and list
recorded failures. 'tdw-host analyze' computes what is missing or stale.
--probe NAME reports the analyses over that probe (default: the family's
canonical probe).

VARIANT is named as for 'tdw-host analyze'.`,
			Example: `  tdw-host artifacts modulo_addition_1layer --preset quick
  tdw-host artifacts modulo_addition_1layer_p113_seed999_dseed598_frac0.5 --all
  tdw-host artifacts modulo_addition_1layer --preset quick --probe train`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				fam, v, err := a.resolveVariant(args[0], va)
				if err != nil {
					return err
				}
				reg, _, err := a.discoverAnalyzers()
				if err != nil {
					return err
				}
				var ms []*registry.AnalyzerManifest
				var absent []string // the family's analyzers that are not installed
				if all {
					for _, m := range reg.List() {
						if m.AcceptsFamily(fam.Name) {
							ms = append(ms, m)
						}
					}
				} else {
					for _, name := range fam.Analyzers {
						if m, err := reg.Get(name); err == nil {
							ms = append(ms, m)
						} else {
							absent = append(absent, name)
						}
					}
				}
				art, err := probeArtifacts(v, fam, probeName)
				if err != nil {
					return err
				}
				sts, err := analysis.ProbeStatus(v, art, ms)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ANALYZER\tKIND\tVERSION\tDONE\tMISSING\tSTALE\tFAILED")
				for _, s := range sts {
					if s.NotApplicable != "" {
						fmt.Fprintf(tw, "%s\t%s\t%s\tnot applicable: %s\t\t\t\n", s.Name, s.Kind, s.Version, oneLine(s.NotApplicable))
						continue
					}
					if s.Cross != "" {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\t\t%d\n", s.Name, s.Kind, s.Version, s.Cross, len(s.Failed))
						continue
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%d\n", s.Name, s.Kind, s.Version, len(s.Done),
						epochList(s.Missing), epochList(s.Stale), len(s.Failed))
				}
				for _, name := range absent {
					fmt.Fprintf(tw, "%s\t-\tnot installed\t\t\t\t\n", name)
				}
				tw.Flush()
				for _, s := range sts {
					if s.Settings != nil {
						fmt.Fprintf(a.stdout, "%s computed with settings %s (not the defaults; a rerun keeps them, --set changes them)\n",
							s.Name, formatSettings(s.Settings))
					}
				}
				fmt.Fprintf(a.stdout, "artifacts in %s (probe %s)\n", art.Dir(), art.Probe())
				return nil
			}),
		}
		f := cmd.Flags()
		f.StringArrayVarP(&va.params, "param", "p", nil, "domain parameter NAME=VALUE, with VARIANT a family name (repeatable)")
		f.StringVar(&va.preset, "preset", "", "family preset, with VARIANT a family name")
		f.StringVar(&probeName, "probe", "", "the probe whose analyses to report (default: the family's canonical probe)")
		f.BoolVar(&all, "all", false, "every installed analyzer that applies to the family, not only the family's set")
		return cmd
	})
}

// epochList shows a count and the first few epochs, e.g. "3 (0, 100, 200)".
func epochList(es []int) string {
	if len(es) == 0 {
		return "0"
	}
	const show = 4
	parts := make([]string, 0, show)
	for i, e := range es {
		if i == show {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fmt.Sprint(e))
	}
	return fmt.Sprintf("%d (%s)", len(es), strings.Join(parts, ", "))
}

// formatSettings writes parameter values as NAME=VALUE, sorted by name.
func formatSettings(p sdk.Params) string {
	parts := make([]string, 0, len(p))
	for _, n := range p.Names() {
		parts = append(parts, n+"="+registry.FormatValue(p[n]))
	}
	return strings.Join(parts, " ")
}
