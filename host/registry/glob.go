package registry

import (
	"fmt"
	"path"
	"strings"
)

// Glob matches parameter (state-dict) names such as "blocks.0.attn.b_Q". Its
// syntax is Go's path.Match, which the training engine uses for frozen
// parameters, anchored at both ends:
//
//	"*"      any run of characters; names hold no '/', so dots included
//	"?"      any one character
//	"[abc]"  one character of a class ("[^abc]" negated, "[a-z]" a range)
//	"\\*"    a literal '*'
//
// So "*.b_*" and "**b_*" both match every bias ("unembed.b_U",
// "blocks.0.attn.b_Q"), and "blocks.*.attn.W_[QKV]" every query, key and
// value weight of every layer.
type Glob struct {
	pattern string
}

// CompileGlob checks a glob pattern. It returns an error for an empty
// pattern, a '/' or a malformed class.
func CompileGlob(pattern string) (*Glob, error) {
	if pattern == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	if strings.Contains(pattern, "/") {
		return nil, fmt.Errorf("pattern %q holds a '/' (parameter names have none)", pattern)
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("pattern %q is malformed (unclosed [ or trailing \\)", pattern)
	}
	return &Glob{pattern: pattern}, nil
}

// MustCompileGlob is CompileGlob that panics on a bad pattern, for constants.
func MustCompileGlob(pattern string) *Glob {
	g, err := CompileGlob(pattern)
	if err != nil {
		panic("registry: " + err.Error())
	}
	return g
}

// Match reports whether name matches the whole pattern.
func (g *Glob) Match(name string) bool {
	ok, _ := path.Match(g.pattern, name) // the pattern was checked when compiled
	return ok
}

// String returns the pattern as written.
func (g *Glob) String() string { return g.pattern }

// IsGlob reports whether s holds a wildcard or class.
func IsGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// MatchAny reports whether name matches any of the patterns. It returns an
// error naming the first pattern that is malformed.
func MatchAny(patterns []string, name string) (bool, error) {
	for _, p := range patterns {
		g, err := CompileGlob(p)
		if err != nil {
			return false, err
		}
		if g.Match(name) {
			return true, nil
		}
	}
	return false, nil
}
