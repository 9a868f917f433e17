package wire

import (
	"fmt"
	"math"
	"unsafe"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
)

// ChunkSize is the largest number of tensor bytes in one message: 1 MiB keeps
// every message far below gRPC's 4 MiB default receive limit.
const ChunkSize = 1 << 20

// Tensor is a tensor as it travels: dtype name, shape and little-endian bytes.
type Tensor struct {
	Group, Name string
	DType       string
	Shape       []int
	Data        []byte
	// Shared reports that Data is a view of a shared-memory mapping rather
	// than bytes owned by this Tensor.
	Shared bool
}

// Key returns "group/name", the way errors name a tensor.
func (t *Tensor) Key() string { return t.Group + "/" + t.Name }

// ItemSize returns the byte size of one element of a numpy dtype name, or 0
// for an unknown name.
func ItemSize(dtype string) int {
	switch dtype {
	case "float64", "int64":
		return 8
	case "float32", "int32":
		return 4
	case "float16", "bfloat16":
		return 2
	case "uint8", "bool":
		return 1
	}
	return 0
}

// ByteLen returns the byte length of a dtype/shape pair, or an error naming
// what is wrong with them (unknown dtype, negative or overflowing shape).
func ByteLen(dtype string, shape []int64) (int64, error) {
	size := ItemSize(dtype)
	if size == 0 {
		return 0, fmt.Errorf("unknown dtype %q", dtype)
	}
	n := int64(size)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt64/d {
			return 0, fmt.Errorf("shape %v overflows", shape)
		}
		n *= d
	}
	return n, nil
}

// Send writes one tensor through send: a header, then its bytes in chunks of
// at most ChunkSize, or only a header when ref locates the bytes in shared
// memory the receiver has attached.
func Send(send func(*tdwv1.TensorFrame) error, t *Tensor, ref *tdwv1.SharedRef) error {
	shape := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		shape[i] = int64(d)
	}
	h := &tdwv1.TensorHeader{Group: t.Group, Name: t.Name, Dtype: t.DType, Shape: shape, Nbytes: int64(len(t.Data)), Shared: ref}
	if err := send(&tdwv1.TensorFrame{Part: &tdwv1.TensorFrame_Header{Header: h}}); err != nil {
		return err
	}
	if ref != nil {
		return nil
	}
	for off := 0; off < len(t.Data); off += ChunkSize {
		end := min(off+ChunkSize, len(t.Data))
		if err := send(&tdwv1.TensorFrame{Part: &tdwv1.TensorFrame_Chunk{Chunk: t.Data[off:end]}}); err != nil {
			return err
		}
	}
	return nil
}

// Assembler rebuilds tensors from frames. The zero value rejects shared
// references; set Resolve to accept them.
type Assembler struct {
	// Resolve returns the n bytes a shared reference points at.
	Resolve func(ref *tdwv1.SharedRef, n int64) ([]byte, error)
	// Limit, when positive, caps the bytes of all tensors together: a header
	// that would pass it is refused before its bytes are allocated, so a
	// flooding peer costs nothing.
	Limit int64

	cur   *Tensor
	got   int
	total int64
	done  []*Tensor
}

// LimitError is the error of a header that takes a stream past its Limit.
type LimitError struct {
	Key   string // group/name
	DType string
	Shape []int64
	Bytes int64 // the tensor's
	Total int64 // the stream's, with this tensor
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("tensor %s: %s%v of %d bytes takes the reply to %d bytes, past its limit of %d", e.Key, e.DType, e.Shape, e.Bytes, e.Total, e.Limit)
}

// Add consumes one frame. It returns an error describing a malformed stream:
// a chunk without a header, more bytes than the header announced, a header
// whose byte count disagrees with its dtype and shape, a bad shared reference.
func (a *Assembler) Add(f *tdwv1.TensorFrame) error {
	switch p := f.GetPart().(type) {
	case *tdwv1.TensorFrame_Header:
		if err := a.closeCurrent(); err != nil {
			return err
		}
		return a.start(p.Header)
	case *tdwv1.TensorFrame_Chunk:
		if a.cur == nil {
			return fmt.Errorf("tensor bytes arrived before any tensor header")
		}
		if a.cur.Shared {
			return fmt.Errorf("tensor %s: bytes arrived for a shared-memory tensor", a.cur.Key())
		}
		if len(p.Chunk) > len(a.cur.Data)-a.got {
			return fmt.Errorf("tensor %s: more bytes than the %d its header announced", a.cur.Key(), len(a.cur.Data))
		}
		a.got += copy(a.cur.Data[a.got:], p.Chunk)
		return nil
	}
	return fmt.Errorf("empty tensor frame")
}

func (a *Assembler) start(h *tdwv1.TensorHeader) error {
	key := h.GetGroup() + "/" + h.GetName()
	if h.GetName() == "" {
		return fmt.Errorf("tensor in group %q has no name", h.GetGroup())
	}
	want, err := ByteLen(h.GetDtype(), h.GetShape())
	if err != nil {
		return fmt.Errorf("tensor %s: %v", key, err)
	}
	if h.GetNbytes() != want {
		return fmt.Errorf("tensor %s: %s%v needs %d bytes, header says %d", key, h.GetDtype(), h.GetShape(), want, h.GetNbytes())
	}
	if want > math.MaxInt {
		return fmt.Errorf("tensor %s: %d bytes is too large", key, want)
	}
	if a.Limit > 0 && a.total+want > a.Limit {
		return &LimitError{Key: key, DType: h.GetDtype(), Shape: h.GetShape(), Bytes: want, Total: a.total + want, Limit: a.Limit}
	}
	a.total += want
	shape := make([]int, len(h.GetShape()))
	for i, d := range h.GetShape() {
		shape[i] = int(d)
	}
	t := &Tensor{Group: h.GetGroup(), Name: h.GetName(), DType: h.GetDtype(), Shape: shape}
	if ref := h.GetShared(); ref != nil {
		if a.Resolve == nil {
			return fmt.Errorf("tensor %s: shared-memory reference where none was negotiated", key)
		}
		b, err := a.Resolve(ref, want)
		if err != nil {
			return fmt.Errorf("tensor %s: %v", key, err)
		}
		t.Data, t.Shared = b, true
		a.cur, a.got = t, int(want)
		return nil
	}
	t.Data = AlignedBytes(int(want))
	a.cur, a.got = t, 0
	return nil
}

func (a *Assembler) closeCurrent() error {
	if a.cur == nil {
		return nil
	}
	if a.got != len(a.cur.Data) {
		return fmt.Errorf("tensor %s: stream ended after %d of %d bytes", a.cur.Key(), a.got, len(a.cur.Data))
	}
	a.done = append(a.done, a.cur)
	a.cur = nil
	return nil
}

// Finish completes the last tensor and returns every tensor in arrival order.
// It returns an error if the last tensor is short of bytes.
func (a *Assembler) Finish() ([]*Tensor, error) {
	if err := a.closeCurrent(); err != nil {
		return nil, err
	}
	out := a.done
	a.done = nil
	return out, nil
}

// AlignedBytes allocates n bytes aligned to 8, so any typed view of them is
// legal.
func AlignedBytes(n int) []byte {
	if n == 0 {
		return nil
	}
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), n)
}
