package corpus

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
)

// WriteCSV writes the table with a header row of column names; empty
// cells are empty fields.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Name
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = csvText(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText is Text with floats in full precision.
func csvText(v any) string {
	if x, ok := v.(float64); ok {
		b, _ := json.Marshal(x)
		return string(b)
	}
	return Text(v)
}

// jsonTable is the JSON form of a table.
type jsonTable struct {
	Family  string           `json:"family"`
	Columns []Column         `json:"columns"`
	Rows    []map[string]any `json:"rows"`
}

// WriteJSON writes the table as {"family", "columns": [{name,
// description}], "rows": [{column: cell}]}, empty cells as null.
func (t *Table) WriteJSON(w io.Writer) error {
	out := jsonTable{Family: t.Family, Columns: t.Columns, Rows: make([]map[string]any, len(t.Rows))}
	for r, row := range t.Rows {
		m := make(map[string]any, len(row))
		for i, v := range row {
			if x, ok := v.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				v = nil
			}
			m[t.Columns[i].Name] = v
		}
		out.Rows[r] = m
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
