package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/results"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var va variantArg
		var o exportFlags
		cmd := &cobra.Command{
			Use:   "export VARIANT VIEW | export --compare VARIANT,VARIANT,... VIEW",
			Short: "Draw a view of a variant's artifacts to PNG, SVG or an animated GIF",
			Long: `Draw one view of a variant's training curves or analysis artifacts, as the
dashboard shows it, to a PNG or SVG file, or to an animated GIF with one frame
per analyzed epoch.

VIEW is one of (docs/dashboard.md, "Export"):
  loss                    train and test loss, log y, checkpoint markers
  accuracy                test accuracy over epochs, train accuracy at
                          checkpoints
  ANALYZER/ARRAY          an array of the per-epoch artifact (2-D: heatmap,
                          1-D: bars or a line; more axes need --index)
  ANALYZER/summary/NAME   a summary series over epochs, --epoch marked;
                          NAME,NAME,... draws several scalar series together
                          (--log-y for a log scale, as for losses)
  ANALYZER/cross/ARRAY    an array of the cross-epoch artifact
  ANALYZER/path/ARRAY     a cross-epoch (epochs, components) array as a path,
                          PC1 against PC2, coloured by time, --epoch marked

--epoch picks the epoch of a per-epoch array (default: the last analyzed) and
the epoch marked on loss and summary views. --index i,j fixes leading axes of
an array of more than two axes. The file is written atomically; its default
name is built from the variant, the view and the epoch.

VARIANT is named as for 'tdw-host analyze'.

--compare V1,V2,... overlays up to 12 variants in one picture (png or svg),
one colour per variant, the legend naming each by the parameters that differ
and its grokking epoch. VIEW is then one of:
  loss                    test (thick) and train (thin) loss, log y
  accuracy                test accuracy, train accuracy at checkpoints
  ANALYZER/summary/NAME   a summary statistic (--index picks one value per
                          epoch of a vector statistic; --log-y for log y)
A variant without the statistic is listed in the legend as not analyzed.`,
			Example: `  tdw-host export modulo_addition_1layer_p113_seed999_dseed598_frac0.5 loss --format svg
  tdw-host export modulo_addition_1layer_p113_seed999_dseed598_frac0.5 neuron_freq_norm/norm_matrix --epoch 500
  tdw-host export modulo_addition_1layer_p113_seed999_dseed598_frac0.5 neuron_activations/activations --index 7 --format gif
  tdw-host export --compare modulo_addition_1layer_p113_seed1_dseed598_frac0.3,modulo_addition_1layer_p113_seed2_dseed598_frac0.3 loss --format svg`,
			Args: func(cmd *cobra.Command, args []string) error {
				if cmd.Flags().Changed("compare") {
					return cobra.ExactArgs(1)(cmd, args)
				}
				return cobra.ExactArgs(2)(cmd, args)
			},
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				if cmd.Flags().Changed("compare") {
					return a.exportCompare(o, args[0])
				}
				req, err := o.request(args[1])
				if err != nil {
					return err
				}
				_, v, err := a.resolveVariant(args[0], va)
				if err != nil {
					return err
				}
				out := o.out
				if out == "" {
					out = render.FileName(v.Name, req.View, o.epoch, o.format)
				}
				// Drawn before the file is touched: a bad view writes nothing.
				var pic bytes.Buffer
				if err := render.NewRenderer(v).Export(&pic, req, o.format); err != nil {
					return err
				}
				if err := atomicfile.WriteFile(out, pic.Bytes(), 0o644); err != nil {
					return fmt.Errorf("writing %s: %w", out, err)
				}
				fmt.Fprintf(a.stdout, "wrote %s\n", out)
				return nil
			}),
		}
		f := cmd.Flags()
		f.StringArrayVarP(&va.params, "param", "p", nil, "domain parameter NAME=VALUE, with VARIANT a family name (repeatable)")
		f.StringVar(&va.preset, "preset", "", "family preset, with VARIANT a family name")
		f.StringVar(&o.format, "format", "png", "png, svg or gif")
		f.IntVar(&o.epoch, "epoch", -1, "epoch to draw (per-epoch arrays) or mark (loss, summary); default the last analyzed")
		f.StringVar(&o.index, "index", "", "comma-separated indices fixing leading axes of an array of more than two axes")
		f.StringVarP(&o.out, "out", "o", "", "output file (default VARIANT_VIEW[_eEPOCH].FORMAT in the current folder)")
		f.StringVar(&o.compare, "compare", "", "comma-separated variants to overlay in one picture (loss, accuracy or ANALYZER/summary/NAME)")
		f.BoolVar(&o.logY, "log-y", false, "log-scale y axis for a summary view")
		return cmd
	})
}

// exportFlags are export's options.
type exportFlags struct {
	format string
	epoch  int
	index  string
	out    string
	// compare lists the variants a comparison overlays; logY draws a
	// summary view on a log scale.
	compare string
	logY    bool
}

// request checks the flags and the view name.
func (o *exportFlags) request(view string) (render.Request, error) {
	switch o.format {
	case "png", "svg", "gif":
	default:
		return render.Request{}, usageErrorf("--format %q: want png, svg or gif", o.format)
	}
	if o.epoch < -1 {
		return render.Request{}, usageErrorf("--epoch %d: want a non-negative epoch", o.epoch)
	}
	if o.format == "gif" && o.epoch >= 0 {
		return render.Request{}, usageErrorf("--epoch with --format gif: a GIF has a frame for every analyzed epoch")
	}
	vw, err := render.ParseView(view)
	if err != nil {
		return render.Request{}, usageErrorf("%v", err)
	}
	index, err := results.ParseIndex(o.index)
	if err != nil {
		return render.Request{}, usageErrorf("--index: %v", err)
	}
	return render.Request{View: vw, Epoch: o.epoch, Index: index, LogY: o.logY}, nil
}
