package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/view"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var va variantArg
		var probeName string
		cmd := &cobra.Command{
			Use:   "views VARIANT",
			Short: "List the views of a variant that export draws (and the dashboard shows)",
			Long: `List the views a variant has: the training curves, then every array of each
analyzer's artifacts in each view its analyzer.json suggests (SUGGESTED yes),
or in the one its shape suggests. NAME and AS are what 'tdw-host export VARIANT
NAME --as AS' takes; SELECTORS are the leading axes --index fixes.

--probe NAME lists the views of the analyses over that probe (default: the
variant's default probe).

VARIANT is named as for 'tdw-host analyze'.`,
			Example: `  tdw-host views modulo_addition_1layer_p113_seed999_dseed598_frac0.5
  tdw-host views modulo_addition_1layer_p113_seed999_dseed598_frac0.5 --probe train`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				fam, v, err := a.resolveVariant(args[0], va)
				if err != nil {
					return err
				}
				b, err := a.viewBuilder(fam, v, probeName)
				if err != nil {
					return err
				}
				es, err := b.List()
				if err != nil {
					return err
				}
				rows := make([][]string, len(es))
				for i, e := range es {
					rows[i] = []string{e.Name, orDash(e.As), string(e.Kind), yesNo(e.Suggested), selectorsText(e.Selectors), e.Title}
				}
				return writeTable(a.stdout, []string{"NAME", "AS", "KIND", "SUGGESTED", "SELECTORS", "TITLE"}, rows)
			}),
		}
		f := cmd.Flags()
		f.StringArrayVarP(&va.params, "param", "p", nil, "domain parameter NAME=VALUE, with VARIANT a family name (repeatable)")
		f.StringVar(&va.preset, "preset", "", "family preset, with VARIANT a family name")
		f.StringVar(&probeName, "probe", "", "list the views of the analyses over this probe (default: the variant's default probe)")
		return cmd
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// selectorsText writes a view's leading axes as "neuron:512,head:4".
func selectorsText(sel []view.Selector) string {
	if len(sel) == 0 {
		return "-"
	}
	parts := make([]string, len(sel))
	for i, s := range sel {
		parts[i] = fmt.Sprintf("%s:%d", s.Axis, s.Size)
	}
	return strings.Join(parts, ",")
}
