package corpus

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Condition is one filter: a column, an operator (=, !=, <, >, <=, >=) and
// a value, as written in --where 'failure_mode=healthy'.
type Condition struct {
	Column, Op, Value string
}

// ParseCondition parses COLUMN OP VALUE. The column must be one of cols.
func ParseCondition(s string, cols []Column) (Condition, error) {
	i := strings.IndexAny(s, "!=<>")
	if i <= 0 {
		return Condition{}, fmt.Errorf("--where %q: want COLUMN OP VALUE with OP one of = != < > <= >=", s)
	}
	op := s[i : i+1]
	if op != "=" && i+1 < len(s) && s[i+1] == '=' {
		op = s[i : i+2]
	}
	if op == "!" {
		return Condition{}, fmt.Errorf("--where %q: want COLUMN OP VALUE with OP one of = != < > <= >=", s)
	}
	c := Condition{Column: strings.TrimSpace(s[:i]), Op: op, Value: strings.TrimSpace(s[i+len(op):])}
	if !slices.ContainsFunc(cols, func(col Column) bool { return col.Name == c.Column }) {
		names := make([]string, len(cols))
		for j, col := range cols {
			names[j] = col.Name
		}
		return Condition{}, fmt.Errorf("--where %q: no column %q (columns: %s)", s, c.Column, strings.Join(names, ", "))
	}
	return c, nil
}

// Match reports whether a cell satisfies the condition. A number compares
// as a number when the value is one; other cells compare as text (= and !=
// exactly, the orderings in natural order). An empty cell equals "" (or
// "-", "null") and fails every ordering.
func (c Condition) Match(v any) bool {
	if v == nil {
		empty := c.Value == "" || c.Value == "-" || c.Value == "null"
		switch c.Op {
		case "=":
			return empty
		case "!=":
			return !empty
		}
		return false
	}
	var cmp int
	_, isBool := v.(bool)
	x, isNum := number(v)
	y, err := strconv.ParseFloat(c.Value, 64)
	switch {
	case isNum && !isBool && err == nil:
		cmp = compare(x, y)
	case c.Op == "=" || c.Op == "!=":
		cmp = strings.Compare(Text(v), c.Value)
	default:
		cmp = natural(Text(v), c.Value)
	}
	switch c.Op {
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case ">":
		return cmp > 0
	case "<=":
		return cmp <= 0
	}
	return cmp >= 0
}

// Filter keeps the rows that satisfy every condition.
func (t *Table) Filter(conds []Condition) error {
	idx := make([]int, len(conds))
	for i, c := range conds {
		j, err := t.Index(c.Column)
		if err != nil {
			return err
		}
		idx[i] = j
	}
	var rows [][]any
	var entries []*Entry
	for r, row := range t.Rows {
		ok := true
		for i, c := range conds {
			if !c.Match(row[idx[i]]) {
				ok = false
				break
			}
		}
		if ok {
			rows, entries = append(rows, row), append(entries, t.Entries[r])
		}
	}
	t.Rows, t.Entries = rows, entries
	return nil
}

// Sort orders the rows by a column, ascending, or descending when the name
// starts with "-"; empty cells last either way. Ties keep their order.
func (t *Table) Sort(key string) error {
	desc := strings.HasPrefix(key, "-")
	col, err := t.Index(strings.TrimPrefix(key, "-"))
	if err != nil {
		return err
	}
	order := make([]int, len(t.Rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := t.Rows[a][col], t.Rows[b][col]
		if x == nil || y == nil {
			return compare(x, y) // nil last in both directions
		}
		if desc {
			return compare(y, x)
		}
		return compare(x, y)
	})
	rows, entries := make([][]any, len(order)), make([]*Entry, len(order))
	for i, j := range order {
		rows[i], entries[i] = t.Rows[j], t.Entries[j]
	}
	t.Rows, t.Entries = rows, entries
	return nil
}
