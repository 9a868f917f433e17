package main

import (
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

// sortRows sorts table rows by key, stably.
func sortRows[T any](rows []T, key func(T) string) {
	sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
}
