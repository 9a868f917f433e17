package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/view"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var va variantArg
		var o exportFlags
		cmd := &cobra.Command{
			Use:   "export VARIANT VIEW | export --compare VARIANT,VARIANT,... VIEW",
			Short: "Draw a view of a variant's artifacts to PNG, SVG, PDF, HTML or an animated GIF",
			Long: `Draw one view of a variant's training curves or analysis artifacts, as the
dashboard's panel shows it (the same view spec: data, axis titles, colour
range), to a PNG, SVG or PDF file, a standalone HTML file (Plotly.js inline,
interactive), or an animated GIF with one frame per analyzed epoch on one
colour scale.

VIEW is one of (docs/dashboard.md, "Export"):
  loss                    train and test loss, log y, checkpoint, grokking
                          and window markers
  accuracy                test accuracy over epochs, train accuracy at
                          checkpoints
  ANALYZER/ARRAY          an array of the per-epoch artifact, drawn as
                          analyzer.json suggests (--as picks another view);
                          leading axes of a bigger array are fixed by
                          --index (0 when left out)
  ANALYZER/summary/NAME   a summary statistic over epochs, --epoch marked;
                          NAME,NAME,... draws several scalar ones together
                          (--log-y for a log scale, as for losses)
  ANALYZER/cross/ARRAY    an array of the cross-epoch artifact
  ANALYZER/path/ARRAY     a cross-epoch (epochs, components) array as a path,
                          PC1 against PC2, coloured by epoch, --epoch marked

'tdw-host views VARIANT' lists a variant's views with the --as each takes.
--probe NAME draws the analyses over that probe ('tdw-host probe list
VARIANT'; default: the variant's default probe); the training curves are the
same for every probe.
--epoch picks the epoch of a per-epoch array (default: the last analyzed) and
the epoch marked on pictures over epochs; an epoch beyond the run is refused.
--index i,j fixes leading axes of an array of more than two axes. The file
is written atomically; its default name is built from the variant, the view
and the epoch.

VARIANT is named as for 'tdw-host analyze'.

--compare V1,V2,... overlays up to 12 variants in one picture (png, svg, pdf
or html), one colour per variant, each named by the parameters that differ
and its grokking epoch. VIEW is then one of:
  loss                    test (solid) and train (dashed) loss, log y
  accuracy                test accuracy, train accuracy at checkpoints
  ANALYZER/summary/NAME   a summary statistic (--index picks one value per
                          epoch of a vector statistic; --log-y for log y)
A variant without the statistic is named in the subtitle as not analyzed.`,
			Example: `  tdw-host export modulo_addition_1layer_p113_seed999_dseed598_frac0.5 loss --format svg
  tdw-host export modulo_addition_1layer_p113_seed999_dseed598_frac0.5 neuron_freq_norm/norm_matrix --epoch 500
  tdw-host export modulo_addition_1layer_p113_seed999_dseed598_frac0.5 neuron_activations/activations --index 7 --format gif
  tdw-host export --compare modulo_addition_1layer_p113_seed1_dseed598_frac0.3,modulo_addition_1layer_p113_seed2_dseed598_frac0.3 loss --format pdf`,
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
				return a.export(o, va, args[0], args[1])
			}),
		}
		f := cmd.Flags()
		f.StringArrayVarP(&va.params, "param", "p", nil, "domain parameter NAME=VALUE, with VARIANT a family name (repeatable)")
		f.StringVar(&va.preset, "preset", "", "family preset, with VARIANT a family name")
		f.StringVar(&o.format, "format", "png", strings.Join(render.Formats, ", "))
		f.StringVar(&o.as, "as", "", "view of the array: heatmap, sorted_heatmap, grid, lines, bars, scatter, scatter3d, path or text (default: analyzer.json's first)")
		f.IntVar(&o.epoch, "epoch", -1, "epoch to draw (per-epoch arrays) or mark (pictures over epochs); default the last analyzed")
		f.StringVar(&o.index, "index", "", "comma-separated indices fixing leading axes of an array of more than two axes")
		f.BoolVar(&o.fixedRange, "fixed-range", false, "colour (or y) range of all the epochs, as a GIF's frames share")
		f.StringVarP(&o.out, "out", "o", "", "output file (default VARIANT_VIEW[_AS][_eEPOCH].FORMAT in the current folder)")
		f.StringVar(&o.compare, "compare", "", "comma-separated variants to overlay in one picture (loss, accuracy or ANALYZER/summary/NAME)")
		f.BoolVar(&o.logY, "log-y", false, "log-scale y axis for a summary view")
		f.StringVar(&o.probe, "probe", "", "draw the analyses over this probe (default: the variant's default probe)")
		return cmd
	})
}

// exportFlags are export's options.
type exportFlags struct {
	format, as string
	epoch      int
	index      string
	fixedRange bool
	out        string
	// compare lists the variants a comparison overlays; logY draws a
	// summary view on a log scale.
	compare string
	logY    bool
	// probe names the probe whose analyses a view draws ("" the default).
	probe string
}

// request checks the flags and the view name.
func (o *exportFlags) request(name string) (view.Request, error) {
	if !slices.Contains(render.Formats, o.format) {
		return view.Request{}, usageErrorf("--format %q: want one of %s", o.format, strings.Join(render.Formats, ", "))
	}
	if o.epoch < -1 {
		return view.Request{}, usageErrorf("--epoch %d: want a non-negative epoch", o.epoch)
	}
	if o.format == "gif" && o.epoch >= 0 {
		return view.Request{}, usageErrorf("--epoch with --format gif: a GIF has a frame for every analyzed epoch")
	}
	ref, err := view.Parse(name)
	if err != nil {
		return view.Request{}, usageErrorf("%v", err)
	}
	index, err := results.ParseIndex(o.index)
	if err != nil {
		return view.Request{}, usageErrorf("--index: %v", err)
	}
	return view.Request{Ref: ref, As: o.as, Epoch: o.epoch, Index: index, LogY: o.logY, FixedRange: o.fixedRange}, nil
}

// export draws one view of a variant to a file.
func (a *app) export(o exportFlags, va variantArg, variantName, name string) error {
	req, err := o.request(name)
	if err != nil {
		return err
	}
	fam, v, err := a.resolveVariant(variantName, va)
	if err != nil {
		return err
	}
	b, err := a.viewBuilder(fam, v, o.probe)
	if err != nil {
		return err
	}
	out := o.out
	if out == "" {
		out = render.FileName(v.Name, req.Ref, req.As, o.epoch, o.format)
	}
	// Drawn before the file is touched: a bad view writes nothing.
	var pic bytes.Buffer
	if err := render.Export(&pic, b, req, o.format, a.scripts); err != nil {
		return exportError(err)
	}
	if err := atomicfile.WriteFile(out, pic.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "wrote %s\n", out)
	return nil
}

// exportError makes the builder's errors that are the request's fault (a
// view, style, epoch or index that does not fit) usage errors.
func exportError(err error) error {
	if view.IsBadRequest(err) {
		return usageErrorf("%v", err)
	}
	if errors.Is(err, render.ErrNoPlotly) {
		return fmt.Errorf("--format html: %w", err)
	}
	return err
}
