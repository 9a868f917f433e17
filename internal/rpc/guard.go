package rpc

import (
	"fmt"
	"runtime/debug"

	hclog "github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// guard runs a plugin author's method, turning a panic into an error so the
// host learns what happened; the stack goes to stderr. An error that is not
// already a gRPC status is prefixed with method.
func guard(method string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			hclog.Default().Error("panic", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = status.Errorf(codes.Internal, "%s panicked: %v", method, r)
		}
	}()
	if err := f(); err != nil {
		if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
			return err
		}
		return status.Errorf(codes.Unknown, "%s: %v", method, err)
	}
	return nil
}
