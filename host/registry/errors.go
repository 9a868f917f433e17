package registry

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a manifest: the JSON path of the field (""
// for the document as a whole) and what is wrong with it.
type Problem struct {
	Path string
	Msg  string
}

// String formats the problem as "path: message".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// ManifestError reports every problem found in one manifest file.
type ManifestError struct {
	File     string
	Problems []Problem
}

// Error formats the problems on one line, the file first.
func (e *ManifestError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return e.File + ": " + strings.Join(parts, "; ")
}

// problems collects the problems of one file as a loader finds them.
type problems struct {
	file string
	list []Problem
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was found, else a *ManifestError.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ManifestError{File: p.file, Problems: p.list}
}
