package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
)

// decodeTree parses data into a generic tree (map[string]any, []any, string,
// json.Number, bool, nil). Unlike json.Unmarshal it rejects duplicate object
// keys and trailing data, and reports syntax errors with line and column, so
// that the field-level reader below sees exactly what the file says.
func decodeTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, "")
	if err != nil {
		return nil, syntaxPosition(data, dec, err)
	}
	rest := dec.InputOffset()
	for rest < int64(len(data)) && isSpace(data[rest]) {
		rest++
	}
	if rest < int64(len(data)) {
		line, col := lineCol(data, rest)
		return nil, fmt.Errorf("line %d, column %d: unexpected data after the top-level value", line, col)
	}
	return v, nil
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// dupKeyError is a duplicate key at a JSON path.
type dupKeyError struct{ path string }

// Error names the path of the repeated key.
func (e *dupKeyError) Error() string { return e.path + ": duplicate key" }

// token is dec.Token where the end of input inside a value is an error.
func token(dec *json.Decoder) (json.Token, error) {
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return tok, err
}

func decodeValue(dec *json.Decoder, path string) (any, error) {
	tok, err := token(dec)
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		m := map[string]any{}
		for dec.More() {
			kt, err := token(dec)
			if err != nil {
				return nil, err
			}
			k := kt.(string) // the decoder guarantees object keys are strings
			kp := joinKey(path, k)
			if _, dup := m[k]; dup {
				return nil, &dupKeyError{kp}
			}
			if m[k], err = decodeValue(dec, kp); err != nil {
				return nil, err
			}
		}
		if _, err := token(dec); err != nil {
			return nil, err
		}
		return m, nil
	case '[':
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec, joinIndex(path, len(a)))
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := token(dec); err != nil {
			return nil, err
		}
		return a, nil
	}
	return nil, fmt.Errorf("unexpected %q", d)
}

// syntaxPosition rewrites a decoder error to say where in the file it is.
func syntaxPosition(data []byte, dec *json.Decoder, err error) error {
	var dup *dupKeyError
	if errors.As(err, &dup) {
		return err
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		off = int64(len(data))
		err = errors.New("unexpected end of file (truncated?)")
	}
	line, col := lineCol(data, off)
	return fmt.Errorf("line %d, column %d: invalid JSON: %v", line, col, err)
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// joinKey extends a JSON path by an object key, in brackets when the key is
// not a plain identifier (so "a.b" as a key stays distinguishable).
func joinKey(path, key string) string {
	if !identRE.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func joinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// jsonType names the JSON type of a tree value, as error messages show it.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case json.Number:
		return "number " + v.String()
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return "string " + strconv.Quote(v)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// object reads the fields of one JSON object, recording problems with their
// paths and remembering which keys were read so that finish can report the
// rest as unknown.
type object struct {
	p    *problems
	path string
	m    map[string]any
	used map[string]bool
}

// asObject returns an object reader for v, or nil (with a problem recorded)
// when v is not a JSON object.
func asObject(p *problems, path string, v any) *object {
	m, ok := v.(map[string]any)
	if !ok {
		where := path
		p.add(where, "want an object, found %s", jsonType(v))
		return nil
	}
	return &object{p: p, path: path, m: m, used: map[string]bool{}}
}

// field returns the raw value under key and its path; ok is false (and a
// problem is recorded when required) if the key is absent.
func (o *object) field(key string, required bool) (v any, path string, ok bool) {
	path = joinKey(o.path, key)
	o.used[key] = true
	v, ok = o.m[key]
	if !ok && required {
		o.p.add(path, "required field is missing")
	}
	return v, path, ok
}

func (o *object) has(key string) bool { _, ok := o.m[key]; return ok }

// str reads a string field.
func (o *object) str(key string, required bool) (string, bool) {
	v, path, ok := o.field(key, required)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		o.p.add(path, "want a string, found %s", jsonType(v))
		return "", false
	}
	return s, true
}

// boolean reads a boolean field.
func (o *object) boolean(key string, required bool) (bool, bool) {
	v, path, ok := o.field(key, required)
	if !ok {
		return false, false
	}
	b, isBool := v.(bool)
	if !isBool {
		o.p.add(path, "want a boolean, found %s", jsonType(v))
		return false, false
	}
	return b, true
}

// number reads a finite number field.
func (o *object) number(key string, required bool) (float64, bool) {
	v, path, ok := o.field(key, required)
	if !ok {
		return 0, false
	}
	return asNumber(o.p, path, v)
}

// integer reads an integral number field.
func (o *object) integer(key string, required bool) (int, bool) {
	v, path, ok := o.field(key, required)
	if !ok {
		return 0, false
	}
	return asInt(o.p, path, v)
}

// strings reads an array of strings.
func (o *object) strings(key string, required bool) ([]string, bool) {
	v, path, ok := o.field(key, required)
	if !ok {
		return nil, false
	}
	return asStrings(o.p, path, v)
}

// finish records every key that no reader asked for as unknown.
func (o *object) finish() {
	var unknown []string
	for k := range o.m {
		if !o.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		o.p.add(joinKey(o.path, k), "unknown field")
	}
}

func asNumber(p *problems, path string, v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		p.add(path, "want a number, found %s", jsonType(v))
		return 0, false
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		p.add(path, "number %s is out of range", n)
		return 0, false
	}
	return f, true
}

func asInt(p *problems, path string, v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		p.add(path, "want an integer, found %s", jsonType(v))
		return 0, false
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		// 1e3 and 3.0 are integers written as floats; accept them when exact.
		f, ferr := strconv.ParseFloat(n.String(), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			p.add(path, "want an integer, found number %s", n)
			return 0, false
		}
		i = int64(f)
	}
	return int(i), true
}

func asStrings(p *problems, path string, v any) ([]string, bool) {
	a, ok := v.([]any)
	if !ok {
		p.add(path, "want an array of strings, found %s", jsonType(v))
		return nil, false
	}
	out := make([]string, 0, len(a))
	good := true
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			p.add(joinIndex(path, i), "want a string, found %s", jsonType(e))
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}
