package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		return &cobra.Command{
			Use:   "variants [FAMILY]",
			Short: "List the variants of a family with their state, losses and grokking epoch",
			Long: `List the variants of FAMILY (every installed family without an argument) found in
the results folder, sorted by name: state (UNTRAINED, TRAINED, ANALYZED, read from
disk), epochs trained (of the run's target when it stopped part way), final train
and test loss, number of checkpoints, and the first epoch at which test accuracy
exceeded 0.99 ("-" if none did).

Folders that do not follow the family's variant_pattern are ignored; a folder
that follows it but cannot be read is listed with its error, and the command
then exits 1.`,
			Example: `  tdw-host variants modulo_addition_1layer
  tdw-host variants`,
			Args: cobra.MaximumNArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				fams, _, err := a.discoverFamilies()
				if err != nil {
					return err
				}
				var list []*registry.FamilyManifest
				if len(args) == 1 {
					f, err := fams.Get(args[0])
					if err != nil {
						return err
					}
					list = append(list, f)
				} else {
					list = fams.List()
				}
				var rows [][]string
				bad := 0
				for _, f := range list {
					vs, errs := variant.List(a.cfg.ResultsDir, f)
					defaults := a.defaultAnalyzers(f)
					for _, v := range vs {
						row, err := variantRow(v, defaults)
						if err != nil {
							bad++
							row = []string{f.Name, v.Name, "error: " + err.Error(), "-", "-", "-", "-", "-"}
						}
						rows = append(rows, row)
					}
					for _, e := range errs {
						bad++
						rows = append(rows, []string{f.Name, "-", "error: " + e.Error(), "-", "-", "-", "-", "-"})
					}
				}
				header := []string{"FAMILY", "VARIANT", "STATE", "EPOCHS", "TRAIN_LOSS", "TEST_LOSS", "CHECKPOINTS", "ACC>0.99_AT"}
				if err := writeTable(a.stdout, header, rows); err != nil {
					return err
				}
				if bad > 0 {
					return fmt.Errorf("%d variant folders in %s could not be read", bad, a.cfg.ResultsDir)
				}
				return nil
			}),
		}
	})
}

// variantRow is one line of the variants table.
func variantRow(v *variant.Variant, defaults []*registry.AnalyzerManifest) ([]string, error) {
	st, err := analysis.VariantState(v, defaults)
	if err != nil {
		return nil, err
	}
	m, err := v.Metadata()
	if err != nil {
		return nil, err
	}
	epochs := strconv.Itoa(m.EpochsCompleted)
	if m.Status != variant.StatusComplete && m.NumEpochs > 0 {
		epochs = fmt.Sprintf("%d/%d", m.EpochsCompleted, m.NumEpochs)
	}
	trainLoss, testLoss := "-", "-"
	if n := len(m.Checkpoints); n > 0 && m.Checkpoints[n-1].Epoch == m.EpochsCompleted {
		c := m.Checkpoints[n-1]
		trainLoss, testLoss = fmt.Sprintf("%.3e", c.TrainLoss), fmt.Sprintf("%.3e", c.TestLoss)
	} else if n := len(m.TrainLosses); n > 0 {
		trainLoss, testLoss = fmt.Sprintf("%.3e", m.TrainLosses[n-1]), fmt.Sprintf("%.3e", m.TestLosses[n-1])
	}
	grok := "-"
	if e := m.GrokkingEpoch(); e >= 0 {
		grok = strconv.Itoa(e)
	}
	return []string{v.Family, v.Name, string(st), epochs, trainLoss, testLoss, strconv.Itoa(len(m.Checkpoints)), grok}, nil
}

// defaultAnalyzers returns the installed analyzers of f's default set (those
// not installed cannot be run, so they do not hold a variant back from
// ANALYZED; `tdw-host families` reports them).
func (a *app) defaultAnalyzers(f *registry.FamilyManifest) []*registry.AnalyzerManifest {
	reg, _, err := a.discoverAnalyzers()
	if err != nil {
		return nil
	}
	var out []*registry.AnalyzerManifest
	for _, n := range f.Analyzers {
		if m, err := reg.Get(n); err == nil {
			out = append(out, m)
		}
	}
	return out
}
