package results

import (
	"errors"
	"fmt"
)

// ErrNotFound is wrapped by the errors saying that something a reader asked
// for is not in the tree: a variant, its analysis, an analyzer's artifacts,
// an epoch, a file or an array.
var ErrNotFound = errors.New("not found")

// ErrEscape is wrapped by the errors refusing a path that, once symbolic
// links are resolved, lies outside the results folder.
var ErrEscape = errors.New("path escapes the results folder")

// ErrSelection is wrapped by the errors saying that an index or step does
// not fit an array: too many indices, an index out of range, too many
// values selected.
var ErrSelection = errors.New("bad selection")

// treeError is an error of one or more kinds (ErrNotFound, ErrEscape,
// fs.ErrNotExist, ...) whose message is its own: wrapping with %w would
// append the kind's text to every message.
type treeError struct {
	kinds []error
	msg   string
}

func (e *treeError) Error() string   { return e.msg }
func (e *treeError) Unwrap() []error { return e.kinds }

// notFound returns an ErrNotFound error with the formatted message.
func notFound(format string, args ...any) error {
	return &treeError{kinds: []error{ErrNotFound}, msg: fmt.Sprintf(format, args...)}
}
