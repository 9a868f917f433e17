package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/corpus"
	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// defaultCorpusColumns are the columns printed without --columns.
var defaultCorpusColumns = []string{"summary", "grokking_epoch", "failure_mode", "performance_class", "second_descent_onset",
	"first_descent", "plateau", "cascade", "second_descent", "final", "first_mover_frequency", "committed_frequencies", "variant"}

func init() {
	addCommand(func(a *app) *cobra.Command {
		var o corpusFlags
		cmd := &cobra.Command{
			Use:   "corpus FAMILY",
			Short: "Table every variant's outcome (grokking, windows, failure mode, frequencies) and write it as CSV and JSON",
			Long: `Print one row per variant of FAMILY with its domain parameters and what its
variant summary (variant_summary.json, docs/formats/variant-summary.md) says:
grokking epoch, second-descent onset, the five windows (START-END epochs),
failure mode and performance class, first-mover and committed frequencies.
The "summary" column says whether each summary is fresh, stale (its inputs
changed since) or missing; an analysis writes it, --refresh brings the
missing and stale ones up to date first (under each variant's lock).

--where COLUMN OP VALUE keeps the rows that satisfy it (OP one of = != < >
<= >=; numbers compare as numbers, text in natural order; repeatable, all
must hold; an empty cell equals "" or "-"). --sort COLUMN orders by any
column, -COLUMN descending; empty cells go last. --columns picks the printed
columns (comma-separated, or "all"); the files always hold every column.

The rows printed are written as CSV and JSON, by default to
RESULTS/FAMILY/variant_corpus.csv and .json (--out-csv, --out-json elsewhere,
--no-files not at all). A folder that cannot be read is reported and the
command then exits 1.`,
			Example: `  tdw-host corpus modulo_addition_1layer
  tdw-host corpus modulo_addition_1layer --where failure_mode=healthy --sort -grokking_epoch
  tdw-host corpus modulo_addition_1layer --where 'grokking_epoch<600' --where seed!=999 --columns seed,grokking_epoch,cascade
  tdw-host corpus modulo_addition_1layer --refresh --out-csv corpus.csv --out-json corpus.json`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error { return a.corpus(args[0], o) }),
		}
		f := cmd.Flags()
		f.StringArrayVar(&o.where, "where", nil, "keep rows where COLUMN OP VALUE holds (OP: = != < > <= >=; repeatable)")
		f.StringVar(&o.sort, "sort", "variant", "column to sort by; -COLUMN for descending")
		f.StringVar(&o.columns, "columns", "", "comma-separated columns to print, or all (default: parameters, windows, verdicts)")
		f.StringVar(&o.outCSV, "out-csv", "", "CSV file to write (default RESULTS/FAMILY/variant_corpus.csv)")
		f.StringVar(&o.outJSON, "out-json", "", "JSON file to write (default RESULTS/FAMILY/variant_corpus.json)")
		f.BoolVar(&o.noFiles, "no-files", false, "print only, write no CSV or JSON")
		f.BoolVar(&o.refresh, "refresh", false, "compute missing and stale variant summaries first")
		return cmd
	})
}

type corpusFlags struct {
	where                          []string
	sort, columns, outCSV, outJSON string
	noFiles, refresh               bool
}

func (a *app) corpus(family string, o corpusFlags) error {
	fams, _, err := a.discoverFamilies()
	if err != nil {
		return err
	}
	fam, err := fams.Get(family)
	if err != nil {
		return err
	}
	tree, err := results.Open(a.cfg.ResultsDir)
	if err != nil {
		return err
	}
	t, problems, err := a.corpusTable(tree, fam, o)
	if err != nil {
		return err
	}
	if err := a.printCorpus(t, o.columns, fam); err != nil {
		return err
	}
	if !o.noFiles {
		if err := writeCorpusFiles(a.stdout, t, tree, fam, o); err != nil {
			return err
		}
	}
	for _, p := range problems {
		fmt.Fprintf(a.stderr, "problem: %v\n", p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d variants of %s could not be read", len(problems), fam.Name)
	}
	return nil
}

// corpusTable builds, refreshes, filters and sorts the table. Variants
// that cannot be read (or refreshed) come back as problems.
func (a *app) corpusTable(tree *results.Tree, fam *registry.FamilyManifest, o corpusFlags) (*corpus.Table, []error, error) {
	cols := corpus.Columns(fam)
	var conds []corpus.Condition
	for _, w := range o.where {
		c, err := corpus.ParseCondition(w, cols)
		if err != nil {
			return nil, nil, usageErrorf("%v", err)
		}
		conds = append(conds, c)
	}
	vs, problems := tree.Variants(fam)
	t := &corpus.Table{Family: fam.Name, Columns: cols}
	for _, v := range vs {
		if o.refresh {
			if err := a.refreshSummary(v); err != nil {
				problems = append(problems, err)
			}
		}
		t.Add(corpus.NewEntry(v))
	}
	if err := t.Filter(conds); err != nil {
		return nil, nil, usageErrorf("--where: %v", err)
	}
	if err := t.Sort(o.sort); err != nil {
		return nil, nil, usageErrorf("--sort: %v", err)
	}
	return t, problems, nil
}

// refreshSummary brings a trained variant's summary up to date.
func (a *app) refreshSummary(v *variant.Variant) error {
	st, err := v.State()
	if err != nil || st == variant.Untrained {
		return nil // listed as it is
	}
	_, wrote, err := outcome.Update(v, nil, false)
	switch {
	case errors.Is(err, lockfile.ErrHeld):
		return fmt.Errorf("variant %s: summary not refreshed: %w", v.Name, err)
	case err != nil:
		return fmt.Errorf("variant %s: %w", v.Name, err)
	case wrote:
		fmt.Fprintf(a.stderr, "wrote %s summary\n", v.Name)
	}
	return nil
}

// printCorpus prints the chosen columns of the table.
func (a *app) printCorpus(t *corpus.Table, columns string, fam *registry.FamilyManifest) error {
	names := append(fam.DomainParameters.Names(), defaultCorpusColumns...)
	switch columns {
	case "all":
		names = names[:0]
		for _, c := range t.Columns {
			names = append(names, c.Name)
		}
	case "":
	default:
		names = strings.Split(columns, ",")
	}
	idx := make([]int, len(names))
	for i, n := range names {
		j, err := t.Index(strings.TrimSpace(n))
		if err != nil {
			return usageErrorf("--columns: %v", err)
		}
		idx[i] = j
	}
	header := make([]string, len(names))
	for i, j := range idx {
		header[i] = strings.ToUpper(t.Columns[j].Name)
	}
	rows := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		rows[r] = make([]string, len(idx))
		for i, j := range idx {
			if rows[r][i] = corpus.Text(row[j]); rows[r][i] == "" {
				rows[r][i] = "-"
			}
		}
	}
	return writeTable(a.stdout, header, rows)
}

// writeCorpusFiles writes the table as CSV and JSON.
func writeCorpusFiles(out io.Writer, t *corpus.Table, tree *results.Tree, fam *registry.FamilyManifest, o corpusFlags) error {
	csvPath, jsonPath := o.outCSV, o.outJSON
	if csvPath == "" {
		csvPath = filepath.Join(tree.Root(), fam.Name, "variant_corpus.csv")
	}
	if jsonPath == "" {
		jsonPath = filepath.Join(tree.Root(), fam.Name, "variant_corpus.json")
	}
	if err := atomicfile.WriteWith(csvPath, 0o644, t.WriteCSV); err != nil {
		return fmt.Errorf("writing %s: %w", csvPath, err)
	}
	if err := atomicfile.WriteWith(jsonPath, 0o644, t.WriteJSON); err != nil {
		return fmt.Errorf("writing %s: %w", jsonPath, err)
	}
	fmt.Fprintf(out, "wrote %s and %s (%d rows)\n", csvPath, jsonPath, len(t.Rows))
	return nil
}
