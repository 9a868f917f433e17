package registry

import (
	"fmt"
	"regexp"
	"strings"
)

// nameRE is the form of analyzer, family, parameter, preset and context names:
// they become folder names, npz keys and flags, so they stay plain.
var nameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// versionRE is "semver-ish": MAJOR.MINOR[.PATCH] with an optional leading v,
// pre-release and build suffixes.
var versionRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// safeRE is the character set allowed in anything that becomes part of a path
// under results/.
var safeRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ValidName reports whether s is a valid analyzer, family, parameter or
// preset name: one or more of [a-z0-9_].
func ValidName(s string) bool { return nameRE.MatchString(s) }

// checkName records a problem if s is not a valid name.
func checkName(p *problems, path, s string) bool {
	if !ValidName(s) {
		p.add(path, "%q is not a valid name (want one or more of [a-z0-9_])", s)
		return false
	}
	return true
}

func checkVersion(p *problems, path, s string) {
	if !versionRE.MatchString(s) {
		p.add(path, "%q is not a version (want MAJOR.MINOR[.PATCH], e.g. \"1.0.0\")", s)
	}
}

// SafePathComponent returns an error unless s can be used as one folder name
// under results/ without escaping it or hiding: it must be non-empty, at most
// 200 bytes, made only of [A-Za-z0-9._-], not start with a dot and not
// contain "..".
func SafePathComponent(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("is empty")
	case len(s) > 200:
		return fmt.Errorf("is %d bytes long (at most 200)", len(s))
	case strings.HasPrefix(s, "."):
		return fmt.Errorf("%q starts with a dot", s)
	case strings.Contains(s, ".."):
		return fmt.Errorf("%q contains \"..\"", s)
	case !safeRE.MatchString(s):
		return fmt.Errorf("%q holds a character outside [A-Za-z0-9._-]", s)
	}
	return nil
}

// uniqueStrings records a problem for each repeated entry of list.
func uniqueStrings(p *problems, path string, list []string) {
	seen := map[string]bool{}
	for i, s := range list {
		if seen[s] {
			p.add(joinIndex(path, i), "%q is listed twice", s)
		}
		seen[s] = true
	}
}
