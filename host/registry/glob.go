package registry

import (
	"fmt"
	"regexp"
	"strings"
)

// Glob matches parameter (state-dict) names such as "blocks.0.attn.b_Q" and
// output names. Its syntax, anchored at both ends:
//
//	"*"   any run of characters except '.', so it stays inside one name segment
//	"**"  any run of characters, dots included
//	"?"   one character except '.'
//
// Every other character matches itself; only [A-Za-z0-9_.-] are allowed.
// So "*.b_*" matches "unembed.b_U" but not "blocks.0.attn.b_Q", while "**b_*"
// and "**.b_*" match every bias, and "blocks.*.attn.W_?" every attention
// weight of every layer.
type Glob struct {
	pattern string
	re      *regexp.Regexp
}

// globCharRE lists what a glob may hold.
var globCharRE = regexp.MustCompile(`^[A-Za-z0-9_.*?-]+$`)

// CompileGlob parses a glob pattern. It returns an error for an empty pattern
// or a character outside the syntax.
func CompileGlob(pattern string) (*Glob, error) {
	if pattern == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	if !globCharRE.MatchString(pattern) {
		return nil, fmt.Errorf("pattern %q holds a character outside [A-Za-z0-9_.-*?]", pattern)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString(`[^.]*`)
			}
		case '?':
			b.WriteString(`[^.]`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return &Glob{pattern: pattern, re: regexp.MustCompile(b.String())}, nil
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
func (g *Glob) Match(name string) bool { return g.re.MatchString(name) }

// String returns the pattern as written.
func (g *Glob) String() string { return g.pattern }

// IsGlob reports whether s holds a wildcard.
func IsGlob(s string) bool { return strings.ContainsAny(s, "*?") }

// MatchAny reports whether name matches any of the patterns. It returns an
// error naming the first pattern that does not compile.
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
