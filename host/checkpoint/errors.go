package checkpoint

import "fmt"

// FormatError reports a file that is not valid safetensors, or not a valid
// checkpoint, naming the file and, where one is at fault, the tensor.
type FormatError struct {
	File   string // path of the file, or the name given to Decode
	Tensor string // the tensor at fault; empty for a header-level problem
	Msg    string
}

// Error formats the error as "FILE: tensor "NAME": MSG".
func (e *FormatError) Error() string {
	if e.Tensor == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: tensor %q: %s", e.File, e.Tensor, e.Msg)
}

func formatErr(file, tensor, format string, args ...any) *FormatError {
	return &FormatError{File: file, Tensor: tensor, Msg: fmt.Sprintf(format, args...)}
}
