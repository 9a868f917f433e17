package rpc

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tdw-workbench/tdw/internal/rpc/wire"
	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
)

// Every stream of the protocol carries tensors as TensorFrames, either bare
// (replies) or inside a call's own message (BeginFrame, AnalyzeFrame, ...),
// possibly between other messages (StackedInfo, EvaluateOutcome). One reader,
// recvTensors, serves them all; readRequest and readReply say what a
// malformed stream means on each side.

// sendAll streams ts through send, each by shared-memory reference where
// refs (nil, or one per tensor) holds one.
func sendAll(send func(*tdwv1.TensorFrame) error, ts []named, refs []*tdwv1.SharedRef) error {
	for i, nt := range ts {
		w, err := toWire(nt.group, nt.name, nt.t)
		if err != nil {
			return err
		}
		var ref *tdwv1.SharedRef
		if refs != nil {
			ref = refs[i]
		}
		if err := wire.Send(send, w, ref); err != nil {
			return err
		}
	}
	return nil
}

// tensorMessage is a stream message that may hold a tensor frame.
type tensorMessage interface {
	GetTensor() *tdwv1.TensorFrame
}

// bareFrame lets a stream of bare TensorFrames be read as tensorMessages.
type bareFrame struct{ f *tdwv1.TensorFrame }

func (b bareFrame) GetTensor() *tdwv1.TensorFrame { return b.f }

// bare adapts the Recv of a stream of bare TensorFrames.
func bare(recv func() (*tdwv1.TensorFrame, error)) func() (bareFrame, error) {
	return func() (bareFrame, error) {
		f, err := recv()
		return bareFrame{f}, err
	}
}

// resolver returns the n bytes a shared-memory reference points at; nil
// rejects references.
type resolver func(ref *tdwv1.SharedRef, n int64) ([]byte, error)

// malformed marks an error in what a stream carried, as opposed to the
// stream itself breaking.
type malformed struct{ err error }

func (m *malformed) Error() string { return m.err.Error() }
func (m *malformed) Unwrap() error { return m.err }

// recvTensors reads messages until the stream ends and assembles the tensor
// frames among them, in arrival order. other, when set, sees every message
// first and reports whether it took it (a message that is not a tensor).
// A broken stream's error is returned as it is; frames that do not assemble,
// or an error from other, come back as a *malformed.
func recvTensors[M tensorMessage](recv func() (M, error), other func(M) (bool, error), resolve resolver, limit int64) ([]*wire.Tensor, error) {
	a := wire.Assembler{Resolve: resolve, Limit: limit}
	for {
		m, err := recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if other != nil {
			took, err := other(m)
			if err != nil {
				return nil, &malformed{err}
			}
			if took {
				continue
			}
		}
		if err := a.Add(m.GetTensor()); err != nil {
			return nil, &malformed{err}
		}
	}
	ts, err := a.Finish()
	if err != nil {
		return nil, &malformed{err}
	}
	return ts, nil
}

// readRequest is recvTensors on the serving side: a malformed request is
// InvalidArgument, naming the call op.
func readRequest[M tensorMessage](op string, recv func() (M, error), other func(M) (bool, error), resolve resolver) ([]*wire.Tensor, error) {
	ts, err := recvTensors(recv, other, resolve, 0)
	if bad := (*malformed)(nil); errors.As(err, &bad) {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", op, bad.err)
	}
	return ts, err
}

// readReply is recvTensors on the calling side: a malformed reply is an
// error prefixed with what ("reply", "host Evaluate reply"). limit, when
// positive, caps the reply's tensor bytes (wire.Assembler.Limit).
func readReply[M tensorMessage](what string, recv func() (M, error), other func(M) (bool, error), limit int64) ([]*wire.Tensor, error) {
	ts, err := recvTensors(recv, other, nil, limit)
	if bad := (*malformed)(nil); errors.As(err, &bad) {
		return nil, fmt.Errorf("%s: %w", what, bad.err)
	}
	return ts, err
}

// streamErr prefers the server's status over a local send error: when a
// send fails because the server ended the call, the reason is in the reply.
func streamErr[T any](recv func() (T, error), sendErr error) error {
	if _, err := recv(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return sendErr
}
