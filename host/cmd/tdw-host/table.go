package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// writeTable prints rows under a header, columns aligned with two spaces.
// Cells are flattened to one line so a long error stays in its row.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				io.WriteString(tw, "\t")
			}
			io.WriteString(tw, flatten(c))
		}
		io.WriteString(tw, "\n")
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	return tw.Flush()
}

// flatten keeps a cell on one line and in one column: line breaks and tabs
// become spaces; leading indentation stays.
func flatten(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(strings.TrimRight(s, " \n"))
}

// statusTable is the listing of installed plugins (analyzers, families): one
// row per plugin, the name first and the status ("ok" or "error: ...") last.
type statusTable struct {
	header []string
	rows   [][]string
}

// add appends a row: the name, the other columns, the status.
func (t *statusTable) add(cells ...string) { t.rows = append(t.rows, cells) }

// write prints the rows sorted by name and returns an error counting the
// rows that are not ok, naming what and where they were found.
func (t *statusTable) write(w io.Writer, what, dir string) error {
	sort.SliceStable(t.rows, func(i, j int) bool { return t.rows[i][0] < t.rows[j][0] })
	bad := 0
	for _, r := range t.rows {
		if r[len(r)-1] != "ok" {
			bad++
		}
	}
	if err := writeTable(w, t.header, t.rows); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d %s in %s are not ok", bad, len(t.rows), what, dir)
	}
	return nil
}
