package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/peers"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var o peersFlags
		cmd := &cobra.Command{
			Use:   "peers VARIANT --by SEED",
			Short: "Compare a variant with its seed peers: weight divergence over epochs, loss overlay",
			Long: `Find the peers of VARIANT (the anchor): the variants of its family whose domain
parameters equal the anchor's except the seed parameter --by (e.g. seed for the
model seed, data_seed for the train/test split), and print how far each peer's
weights are from the anchor's at every checkpoint epoch both have: the
normalized L2 divergence 100·‖W_peer − W_anchor‖/‖W_anchor‖ over all weight
matrices together, in % of the anchor's norm. --matrices adds one column per
weight matrix and peer.

--out-csv writes every series in long form (peer, epoch, matrix, percent;
matrix "total" for all together). --figure FILE.png|.svg|.pdf draws the anchor's
and the peers' loss curves overlaid (as tdw-host export --compare does).`,
			Example: `  tdw-host peers modulo_addition_1layer_p113_seed999_dseed598_frac0.5 --by seed
  tdw-host peers modulo_addition_1layer --preset quick --by data_seed --matrices --out-csv peers.csv --figure peers_loss.png`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error { return a.peers(args[0], o) }),
		}
		f := cmd.Flags()
		f.StringArrayVarP(&o.va.params, "param", "p", nil, "domain parameter NAME=VALUE, with VARIANT a family name (repeatable)")
		f.StringVar(&o.va.preset, "preset", "", "family preset, with VARIANT a family name")
		f.StringVar(&o.by, "by", "", "the seed parameter the peers differ in (required; e.g. seed, data_seed)")
		f.BoolVar(&o.matrices, "matrices", false, "print the divergence of every weight matrix too")
		f.StringVar(&o.outCSV, "out-csv", "", "write every series to this CSV file")
		f.StringVar(&o.figure, "figure", "", "write the loss overlay of anchor and peers to this .png, .svg or .pdf")
		_ = cmd.MarkFlagRequired("by")
		return cmd
	})
}

type peersFlags struct {
	va                 variantArg
	by, outCSV, figure string
	matrices           bool
}

func (a *app) peers(arg string, o peersFlags) error {
	fam, anchor, err := a.resolveVariant(arg, o.va)
	if err != nil {
		return err
	}
	all, _ := variant.List(a.cfg.ResultsDir, fam)
	ps, err := peers.Find(fam, anchor, all, o.by)
	if err != nil {
		return usageErrorf("--by: %v", err)
	}
	if len(ps) == 0 {
		return fmt.Errorf("variant %s has no peers differing only in %s among the %d variants of %s", anchor.Name, o.by, len(all), fam.Name)
	}
	fmt.Fprintf(a.stdout, "anchor %s\n", anchor.Name)
	var ds []*peers.Divergence
	var shown []*variant.Variant
	for _, p := range ps {
		fmt.Fprintf(a.stdout, "peer   %s=%s  %s\n", o.by, registry.FormatValue(p.Params[o.by]), p.Name)
		d, err := peers.Diverge(anchor, p)
		if errors.Is(err, peers.ErrNoCommonEpoch) {
			fmt.Fprintf(a.stdout, "       (no checkpoint epoch in common with the anchor: left out)\n")
			continue
		}
		if err != nil {
			return err
		}
		ds, shown = append(ds, d), append(shown, p)
	}
	if len(ds) == 0 {
		return fmt.Errorf("no peer of %s shares a checkpoint epoch with it", anchor.Name)
	}
	if err := printDivergence(a.stdout, o, shown, ds); err != nil {
		return err
	}
	if o.outCSV != "" {
		if err := atomicfile.WriteWith(o.outCSV, 0o644, func(w io.Writer) error { return divergenceCSV(w, ds) }); err != nil {
			return fmt.Errorf("writing %s: %w", o.outCSV, err)
		}
		fmt.Fprintf(a.stdout, "wrote %s\n", o.outCSV)
	}
	if o.figure != "" {
		return a.peerFigure(o.figure, append([]*variant.Variant{anchor}, ps...))
	}
	return nil
}

// printDivergence prints one row per epoch the anchor shares with its
// first peer: the total divergence of each peer, and with --matrices
// each matrix's.
func printDivergence(w io.Writer, o peersFlags, ps []*variant.Variant, ds []*peers.Divergence) error {
	header := []string{"EPOCH"}
	for i, d := range ds {
		label := o.by + "=" + registry.FormatValue(ps[i].Params[o.by])
		header = append(header, label+" TOTAL%")
		if o.matrices {
			for _, m := range d.MatrixNames() {
				header = append(header, label+" "+m)
			}
		}
	}
	var rows [][]string
	for _, e := range ds[0].Epochs {
		row := []string{strconv.Itoa(e)}
		for _, d := range ds {
			i := indexOf(d.Epochs, e)
			row = append(row, pct(d.Total, i))
			if o.matrices {
				for _, m := range d.MatrixNames() {
					row = append(row, pct(d.Matrices[m], i))
				}
			}
		}
		rows = append(rows, row)
	}
	return writeTable(w, header, rows)
}

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func pct(xs []float64, i int) string {
	if i < 0 {
		return "-"
	}
	return strconv.FormatFloat(xs[i], 'f', 2, 64)
}

// divergenceCSV writes the series in long form.
func divergenceCSV(w io.Writer, ds []*peers.Divergence) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"peer", "epoch", "matrix", "percent"})
	for _, d := range ds {
		for i, e := range d.Epochs {
			_ = cw.Write([]string{d.Peer, strconv.Itoa(e), "total", strconv.FormatFloat(d.Total[i], 'g', -1, 64)})
			for _, m := range d.MatrixNames() {
				_ = cw.Write([]string{d.Peer, strconv.Itoa(e), m, strconv.FormatFloat(d.Matrices[m][i], 'g', -1, 64)})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// peerFigure draws the loss curves of the anchor and its peers overlaid.
func (a *app) peerFigure(out string, vs []*variant.Variant) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	if !slices.Contains(render.PictureFormats, format) {
		return usageErrorf("--figure %s: want a .png, .svg or .pdf file", out)
	}
	if len(vs) > view.MaxCompare {
		vs = vs[:view.MaxCompare]
	}
	c, err := view.NewComparison(vs, nil)
	if err != nil {
		return err
	}
	s, err := c.Build(view.Request{Ref: view.Ref{Kind: view.Loss}, Epoch: -1})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteWith(out, 0o644, func(w io.Writer) error { return render.Write(w, s, format) }); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "wrote %s\n", out)
	return nil
}
