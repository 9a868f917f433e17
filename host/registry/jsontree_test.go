package registry

import (
	"strings"
	"testing"
)

// TestReaderNumbers covers how JSON numbers become integers and floats.
func TestReaderNumbers(t *testing.T) {
	cases := []struct {
		json    string
		integer bool
		want    float64
		err     string
	}{
		{`5`, true, 5, ""},
		{`5.0`, true, 5, ""},
		{`5e2`, true, 500, ""},
		{`-3`, true, -3, ""},
		{`2.5`, true, 0, "want an integer, found number 2.5"},
		{`1e300`, true, 0, "want an integer, found number 1e300"},
		{`"5"`, true, 0, `want an integer, found string "5"`},
		{`true`, true, 0, "want an integer, found boolean true"},
		{`null`, true, 0, "want an integer, found null"},
		{`[5]`, true, 0, "want an integer, found array"},
		{`0.001`, false, 0.001, ""},
		{`1e999`, false, 0, "number 1e999 is out of range"},
		{`{}`, false, 0, "want a number, found object"},
	}
	for _, c := range cases {
		tree, err := decodeTree([]byte(`{"x": ` + c.json + `}`))
		if err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		p := &problems{file: "f.json"}
		o := asObject(p, "", tree)
		var got float64
		var ok bool
		if c.integer {
			var i int
			i, ok = o.integer("x", true)
			got = float64(i)
		} else {
			got, ok = o.number("x", true)
		}
		err = p.err()
		switch {
		case c.err == "" && (!ok || err != nil || got != c.want):
			t.Errorf("%s: got %v, %v, %v; want %v", c.json, got, ok, err, c.want)
		case c.err != "" && (ok || err == nil || !strings.Contains(err.Error(), "f.json: x: "+c.err)):
			t.Errorf("%s: got %v, want error %q", c.json, err, c.err)
		}
	}
}

func TestDecodeTreeSyntax(t *testing.T) {
	cases := []struct{ json, want string }{
		{`{"a": {"b": 1, "b": 2}}`, "a.b: duplicate key"},
		{`{"a": [{"k": 1, "k": 1}]}`, "a[0].k: duplicate key"},
		{`{"a b": 1, "a b": 2}`, `["a b"]: duplicate key`},
		{"{\n  \"a\": 1,\n}", "line 3, column 1: invalid JSON"},
		{`{"a": 1} {"b": 2}`, "line 1, column 10: unexpected data after the top-level value"},
		{`{"a": [1, 2`, "unexpected end of file (truncated?)"},
		{``, "line 1, column 1: invalid JSON: unexpected end of file"},
		{"\xff", "invalid JSON"},
	}
	for _, c := range cases {
		_, err := decodeTree([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.json, err, c.want)
		}
	}
}
