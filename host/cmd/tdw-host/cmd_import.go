package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/importer"
	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var family string
		cmd := &cobra.Command{
			Use:   "import DIR",
			Short: "Bring a variant trained by the reference Python project into the results tree",
			Long: `Import DIR, a variant folder of the reference Python project (config.json,
metadata.json, checkpoints/checkpoint_epoch_NNNNN.safetensors with TransformerLens
names), as a variant of a tdw family in RESULTS/FAMILY/VARIANT/, ready for
'tdw-host analyze'.

The family is the installed one whose name starts DIR's name (as in the
reference's FAMILY_pP_seedS_dseedD), or --family. Its domain parameters come
from config.json (training_fraction is read as train_fraction, model_seed as seed
when there is no seed); the family must build the same architecture for them.
Every checkpoint is copied unchanged, hashed, loaded into the engine and
evaluated on the reference's train and test rows; the per-epoch losses, the split
and the epoch count are kept. An imported variant has no per-epoch test accuracy,
no training settings and no optimizer state (it cannot be resumed or extended).
A folder of another layout, or a variant that already holds a run, is refused.`,
			Example: `  tdw-host import ../miscope/results/modulo_addition_1layer/modulo_addition_1layer_p113_seed999_dseed598
  tdw-host analyze modulo_addition_1layer_p113_seed999_dseed598_frac0.3`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				return a.importVariant(cmd.Context(), args[0], family)
			}),
		}
		cmd.Flags().StringVar(&family, "family", "", "tdw family to import into (default: from DIR's name)")
		return cmd
	})
}

func (a *app) importVariant(ctx context.Context, dir, family string) error {
	ref, err := importer.ReadReference(dir)
	if err != nil {
		return err
	}
	fams, _, err := a.discoverFamilies()
	if err != nil {
		return err
	}
	fam, err := importFamily(fams, dir, family)
	if err != nil {
		return err
	}
	plugin, err := job.LaunchFamily(ctx, fam, pluginhost.Options{Logger: a.log})
	if err != nil {
		return err
	}
	defer plugin.Close()
	v, err := importer.Import(ctx, ref, importer.Options{Results: a.cfg.ResultsDir, Family: fam, Plugin: plugin, TDWVersion: tdwVersion()})
	if err != nil {
		return err
	}
	m, err := v.Metadata()
	if err != nil {
		return err
	}
	last := m.Checkpoints[len(m.Checkpoints)-1]
	_, err = fmt.Fprintf(a.stdout, "variant      %s\nfolder       %s\nepochs       %d\ncheckpoints  %d\ntrain loss   %.4g (epoch %d)\ntest loss    %.4g\ntest acc     %.4g\nnext         %s analyze %s\n",
		v.Name, v.Dir(), m.NumEpochs, len(m.Checkpoints), last.TrainLoss, last.Epoch, last.TestLoss, last.TestAccuracy, a.self, v.Name)
	return err
}

// importFamily is the family named by --family, or the installed family
// whose name, followed by "_", starts the folder's name (the longest, if
// several do).
func importFamily(fams *registry.FamilyRegistry, dir, name string) (*registry.FamilyManifest, error) {
	if name != "" {
		f, err := fams.Get(name)
		if err != nil {
			return nil, usageErrorf("--family: %v", err)
		}
		return f, nil
	}
	base := filepath.Base(filepath.Clean(dir))
	var best *registry.FamilyManifest
	for _, f := range fams.List() {
		if strings.HasPrefix(base, f.Name+"_") && (best == nil || len(f.Name) > len(best.Name)) {
			best = f
		}
	}
	if best == nil {
		var names []string
		for _, f := range fams.List() {
			names = append(names, f.Name)
		}
		return nil, usageErrorf("cannot tell the family of %s from its name (installed: %s); give --family", dir, strings.Join(names, ", "))
	}
	return best, nil
}
