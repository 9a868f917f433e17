// Package manifestcheck lets an analyzer's tests hold its results to its
// analyzer.json: every returned array must be declared (by exact name or
// glob), with the declared dtype and as many axes as the declared shape in
// words. It reads the manifest with encoding/json alone so that plugins keep
// depending on sdk only.
package manifestcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// Spec is one declared output or summary array.
type Spec struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape string `json:"shape"`
}

// Param is one declared parameter.
type Param struct {
	Type    string `json:"type"`
	Default any    `json:"default"`
}

// Manifest is the part of analyzer.json the checks use.
type Manifest struct {
	Name       string           `json:"name"`
	Version    string           `json:"version"`
	Kind       string           `json:"kind"`
	Outputs    []Spec           `json:"outputs"`
	Summary    []Spec           `json:"summary"`
	Parameters map[string]Param `json:"parameters"`
}

// Load reads the analyzer.json at path.
func Load(path string) (*Manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// Defaults returns the declared parameter defaults as sdk.Params, with JSON
// numbers as float64 (as the host may pass them).
func (m *Manifest) Defaults() sdk.Params {
	p := sdk.Params{}
	for name, spec := range m.Parameters {
		p[name] = spec.Default
	}
	return p
}

// CheckInfo returns an error if info differs from the manifest.
func (m *Manifest) CheckInfo(info sdk.AnalyzerInfo) error {
	if info.Name != m.Name || info.Version != m.Version || string(info.Kind) != m.Kind {
		return fmt.Errorf("plugin says %s %s %s, analyzer.json %s %s %s", info.Name, info.Version, info.Kind, m.Name, m.Version, m.Kind)
	}
	return nil
}

// CheckArrays returns an error naming the first array that is undeclared or
// differs from its declaration, among outputs (or summary when summary is
// set). A name may match several globs; the first declared one applies, as in
// the host's registry.
func (m *Manifest) CheckArrays(arrays map[string]*sdk.Tensor, summary bool) error {
	specs := m.Outputs
	if summary {
		specs = m.Summary
	}
	for name, t := range arrays {
		var spec *Spec
		for i := range specs {
			if glob(specs[i].Name).MatchString(name) {
				spec = &specs[i]
				break
			}
		}
		if spec == nil {
			return fmt.Errorf("array %s is not declared", name)
		}
		if !slices.Contains(strings.Split(spec.DType, "|"), string(t.DType())) {
			return fmt.Errorf("array %s is %s, declared %s as %s", name, t.DType(), spec.Name, spec.DType)
		}
		if r := rank(spec.Shape); r != t.Rank() {
			return fmt.Errorf("array %s has shape %s, declared %s with %d axes %s", name, t.ShapeString(), spec.Name, r, spec.Shape)
		}
	}
	return nil
}

// glob compiles the registry's glob syntax: "**" any run, "*" a run without
// dots, "?" one character other than a dot.
func glob(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case p[i] == '*':
			b.WriteString(`[^.]*`)
		case p[i] == '?':
			b.WriteString(`[^.]`)
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// rank counts the axes of a shape in words such as "(n_epochs, k)" or "()".
func rank(shape string) int {
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(shape, "("), ")"))
	if inner == "" {
		return 0
	}
	return len(strings.Split(strings.TrimSuffix(inner, ","), ","))
}
