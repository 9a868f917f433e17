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
			io.WriteString(tw, strings.ReplaceAll(oneLine(c), "\t", " "))
		}
		io.WriteString(tw, "\n")
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	return tw.Flush()
}

// sortRows sorts table rows by key, stably.
func sortRows[T any](rows []T, key func(T) string) {
	sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
}
