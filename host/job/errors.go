package job

import (
	"errors"
	"fmt"
)

// RequestError is a request that cannot be carried out as written: Field
// names the request field at fault (as the dashboard's JSON spells it:
// family, variant, preset, params, epochs, checkpoints, extend_to, resume,
// force, analyzers, settings, save_every).
type RequestError struct {
	Field string
	Err   error
}

// Error returns "field: message".
func (e *RequestError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RequestError) Unwrap() error { return e.Err }

func requestErrorf(field, format string, args ...any) error {
	return &RequestError{Field: field, Err: fmt.Errorf(format, args...)}
}

// BusyError refuses a job on a variant that already has one queued or
// running.
type BusyError struct {
	// Variant is family/variant.
	Variant string
	// Job is the job that holds the variant.
	Job Info
}

// Error names the variant and the job holding it.
func (e *BusyError) Error() string {
	return fmt.Sprintf("variant %s already has job %s (%s, %s since %s); wait for it or cancel it",
		e.Variant, e.Job.ID, e.Job.Kind, e.Job.State, e.Job.Created.Format("15:04:05"))
}

// Errors of the Manager.
var (
	// ErrNoJob is returned for a job ID the manager does not know.
	ErrNoJob = errors.New("no such job")
	// ErrClosed is returned by Start after Shutdown.
	ErrClosed = errors.New("the job manager is shutting down")
	// ErrQueueFull is returned by Start when MaxQueued jobs are waiting.
	ErrQueueFull = errors.New("too many jobs are queued")
)

// interruptedError is an analysis stopped by its context: finished work is
// kept on disk.
type interruptedError struct {
	variant string
	cause   error
}

func (e *interruptedError) Error() string {
	return fmt.Sprintf("analysis of %s interrupted; finished work is kept, rerun to complete it", e.variant)
}

func (e *interruptedError) Unwrap() error { return e.cause }
