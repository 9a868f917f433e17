package corpus

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Table is a corpus: its columns and one row of cells per variant.
type Table struct {
	Family  string
	Columns []Column
	Rows    [][]any
	// Entries are the rows' variants, in row order.
	Entries []*Entry
}

// Columns returns the corpus columns of a family: "variant", its domain
// parameters (sorted by name), the summary columns, the windows' bounds.
func Columns(fam *registry.FamilyManifest) []Column {
	cols := []Column{{"variant", "the variant's folder name", func(e *Entry) any { return e.Name }}}
	for _, p := range fam.DomainParameters.Names() {
		cols = append(cols, Column{p, "domain parameter: " + fam.DomainParameters[p].Description, func(e *Entry) any { return cell(e.Params[p]) }})
	}
	cols = append(cols, summaryColumns...)
	return append(cols, windowColumns()...)
}

// OutcomeColumns returns the columns that come from a variant's state and
// summary: Columns without "variant" and the parameters.
func OutcomeColumns() []Column {
	return append(append([]Column(nil), summaryColumns...), windowColumns()...)
}

// cell converts a parameter value to a cell.
func cell(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case float64, string, bool, nil, int:
		return x
	}
	return fmt.Sprint(v)
}

// NewEntry reads one variant for the corpus: its state and its summary's
// freshness. A variant that cannot be read is an entry with Error set.
func NewEntry(v *variant.Variant) *Entry {
	e := &Entry{Name: v.Name, Params: v.Params, Freshness: outcome.Missing}
	st, err := v.State()
	e.State = string(st)
	if err != nil {
		e.Freshness, e.Error = "error", err.Error()
		return e
	}
	status, err := outcome.Check(v)
	e.Summary = status.Summary
	e.Freshness = status.State
	if err != nil && !errors.Is(err, results.ErrNotFound) {
		e.Freshness, e.Error = "error", err.Error()
	}
	return e
}

// Build reads every variant of a family in the tree into a table, in
// variant-name order; the folders that could not be read at all are
// returned as problems.
func Build(tree *results.Tree, fam *registry.FamilyManifest) (*Table, []error) {
	vs, problems := tree.Variants(fam)
	t := &Table{Family: fam.Name, Columns: Columns(fam)}
	for _, v := range vs {
		t.Add(NewEntry(v))
	}
	return t, problems
}

// Add appends a row for e.
func (t *Table) Add(e *Entry) {
	row := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		row[i] = c.value(e)
	}
	t.Rows = append(t.Rows, row)
	t.Entries = append(t.Entries, e)
}

// Index returns the position of the named column, or an error listing the
// columns.
func (t *Table) Index(name string) (int, error) {
	i := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == name })
	if i < 0 {
		return 0, fmt.Errorf("no column %q (columns: %s)", name, t.Names())
	}
	return i, nil
}

// Names returns the column names, comma-separated.
func (t *Table) Names() string {
	s := ""
	for i, c := range t.Columns {
		if i > 0 {
			s += ", "
		}
		s += c.Name
	}
	return s
}

// Cells returns one entry's cells by column name (for JSON answers).
func Cells(cols []Column, e *Entry) map[string]any {
	out := make(map[string]any, len(cols))
	for _, c := range cols {
		out[c.Name] = c.value(e)
	}
	return out
}
