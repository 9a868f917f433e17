package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of tdw-host.
const (
	exitOK      = 0 // the command did what it was asked
	exitRuntime = 1 // it could not: a bad file, a failing plugin, a full disk
	exitUsage   = 2 // it was asked wrongly: unknown command or flag, bad argument
)

// exitError carries an exit code with the error to print.
type exitError struct {
	code int
	err  error
}

// Error returns the wrapped error's message.
func (e *exitError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf returns an error that exits with exitUsage.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// runE wraps a command body: errors it returns are runtime errors unless they
// already carry a code. Errors cobra raises before the body runs (flags,
// arguments, unknown commands) never pass through here and so count as usage
// errors.
func runE(body func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := body(cmd, args)
		var ee *exitError
		if err == nil || errors.As(err, &ee) {
			return err
		}
		return &exitError{code: exitRuntime, err: err}
	}
}

// exitCode returns the code for an error from cobra's Execute.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}

// oneLine flattens an error message for a single stderr line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
