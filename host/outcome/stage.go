package outcome

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// ErrNoSummary is wrapped by Read's error for a variant without
// variant_summary.json.
var ErrNoSummary = errors.New("no variant summary")

// Read reads v's variant_summary.json. A missing file is an error wrapping
// ErrNoSummary and results.ErrNotFound; a malformed or newer-format one an
// error naming the file.
func Read(v *variant.Variant) (*Summary, error) {
	p, err := results.VariantFile(v, FileName)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("variant %s has no %s (analyze it, or run tdw-host corpus --refresh): %w: %w", v.Name, FileName, ErrNoSummary, results.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var s Summary
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: malformed variant summary: %w", p, err)
	}
	if s.Format > Format {
		return nil, fmt.Errorf("%s: variant summary format %d is newer than this tdw reads (%d)", p, s.Format, Format)
	}
	return &s, nil
}

// Write writes s as v's variant_summary.json, atomically.
func Write(v *variant.Variant, s *Summary) error {
	p, err := results.VariantFile(v, FileName)
	if err != nil {
		return err
	}
	b, err := Marshal(s)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return atomicfile.WriteFile(p, b, 0o644)
}

// Marshal encodes a summary as variant_summary.json holds it: indented,
// with a final newline.
func Marshal(s *Summary) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // reasons hold < and >
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Freshness of a variant's summary (Status.State).
const (
	Fresh   = "fresh"
	Stale   = "stale"
	Missing = "missing"
)

// Status says whether a variant's summary is up to date.
type Status struct {
	State string
	// Summary is the summary on disk (nil when Missing).
	Summary *Summary
}

// Check reads v's summary and judges it against the inputs it would read
// now under the settings it records: Missing without a readable summary,
// Stale when the inputs changed, else Fresh.
func Check(v *variant.Variant) (Status, error) {
	s, err := Read(v)
	if errors.Is(err, ErrNoSummary) {
		return Status{State: Missing}, nil
	}
	if err != nil {
		return Status{State: Missing}, err
	}
	key, err := Key(v, s.Settings)
	if err != nil {
		return Status{State: Stale, Summary: s}, err
	}
	if key != s.InputsKey {
		return Status{State: Stale, Summary: s}, nil
	}
	return Status{State: Fresh, Summary: s}, nil
}

// Update brings v's summary up to date, holding the variant's lock: it
// computes and writes it when it is missing, when its inputs changed, when
// given settings differ from the recorded ones, or with force. Settings
// are sticky: those not given keep the values the summary on disk was
// computed with (the defaults when there is none). It reports whether it
// wrote a new summary. A variant locked by another process is an error
// wrapping lockfile.ErrHeld.
func Update(v *variant.Variant, given map[string]string, force bool) (*Summary, bool, error) {
	lock, err := lockfile.Acquire(v.LockPath(), "tdw-host variant summary")
	if err != nil {
		return nil, false, err
	}
	defer lock.Release()
	base := DefaultSettings()
	prev, err := Read(v)
	if err == nil && prev.Format == Format {
		base = prev.Settings
	} else {
		prev = nil // a malformed or older summary is replaced
	}
	s, err := ParseSettings(base, given)
	if err != nil {
		return nil, false, err
	}
	in, key, err := Load(v, s)
	if err != nil {
		return nil, false, err
	}
	if !force && prev != nil && prev.InputsKey == key {
		return prev, false, nil
	}
	sum, err := Compute(in, s)
	if err != nil {
		return nil, false, err
	}
	sum.InputsKey, sum.ComputedAt = key, time.Now().UTC().Format(time.RFC3339)
	if err := Write(v, sum); err != nil {
		return nil, false, err
	}
	return sum, true, nil
}
