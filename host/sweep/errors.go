package sweep

import "fmt"

// RequestError is a sweep asked for wrongly: a malformed or refused grid,
// flag or setting. Other errors are failures to carry a good request out.
type RequestError struct{ Err error }

// Error returns the underlying message.
func (e *RequestError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RequestError) Unwrap() error { return e.Err }

func badRequest(format string, args ...any) error {
	return &RequestError{Err: fmt.Errorf(format, args...)}
}
