package sdk

import (
	"fmt"
	"math"
	"unsafe"
)

// DType names the element type of a Tensor. The names are numpy's, so that an
// artifact's dtype reads the same in Go and in Python.
type DType string

// The element types a Tensor can hold.
const (
	Float32  DType = "float32"
	Float64  DType = "float64"
	Float16  DType = "float16"
	BFloat16 DType = "bfloat16"
	Int64    DType = "int64"
	Int32    DType = "int32"
	Uint8    DType = "uint8"
	Bool     DType = "bool"
)

// Size returns the number of bytes one element of d occupies, or 0 for an
// unknown dtype.
func (d DType) Size() int {
	switch d {
	case Float64, Int64:
		return 8
	case Float32, Int32:
		return 4
	case Float16, BFloat16:
		return 2
	case Uint8, Bool:
		return 1
	}
	return 0
}

// Valid reports whether d is one of the dtypes above.
func (d DType) Valid() bool { return d.Size() != 0 }

// Tensor is a dense, row-major (C order) array. Its elements are stored as
// little-endian bytes, which is how they travel between host and plugins and
// how they sit in .npy and .safetensors files; the typed accessors return views
// of those bytes without copying.
//
// A Tensor is not safe for concurrent mutation.
type Tensor struct {
	dtype DType
	shape []int
	data  []byte
}

func init() {
	// The typed views below reinterpret little-endian bytes in place.
	var x uint16 = 1
	if *(*byte)(unsafe.Pointer(&x)) != 1 {
		panic("sdk: tdw requires a little-endian machine")
	}
}

// NumElements returns the product of shape (1 for a 0-rank shape). It panics if
// a dimension is negative.
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("sdk: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// NewTensor returns a zero-filled tensor of the given dtype and shape. It
// panics if dtype is unknown or a dimension is negative.
func NewTensor(dtype DType, shape ...int) *Tensor {
	if !dtype.Valid() {
		panic(fmt.Sprintf("sdk: unknown dtype %q", dtype))
	}
	n := NumElements(shape)
	return &Tensor{dtype: dtype, shape: append([]int(nil), shape...), data: alignedBytes(n * dtype.Size())}
}

// TensorFromBytes wraps little-endian element bytes without copying them. It
// returns an error if dtype is unknown or len(data) does not match the shape.
// Bytes that are not aligned for their element type are copied once.
func TensorFromBytes(dtype DType, shape []int, data []byte) (*Tensor, error) {
	if !dtype.Valid() {
		return nil, fmt.Errorf("unknown dtype %q", dtype)
	}
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", shape)
		}
	}
	want := NumElements(shape) * dtype.Size()
	if len(data) != want {
		return nil, fmt.Errorf("%s%v needs %d bytes, got %d", dtype, shape, want, len(data))
	}
	if len(data) > 0 && uintptr(unsafe.Pointer(&data[0]))%uintptr(dtype.Size()) != 0 {
		c := alignedBytes(len(data))
		copy(c, data)
		data = c
	}
	return &Tensor{dtype: dtype, shape: append([]int(nil), shape...), data: data}, nil
}

// FromFloat32 returns a tensor that shares data. It panics if len(data) does
// not match shape.
func FromFloat32(data []float32, shape ...int) *Tensor {
	return fromSlice(Float32, shape, unsafe.Pointer(unsafe.SliceData(data)), len(data))
}

// FromFloat64 returns a tensor that shares data. It panics if len(data) does
// not match shape.
func FromFloat64(data []float64, shape ...int) *Tensor {
	return fromSlice(Float64, shape, unsafe.Pointer(unsafe.SliceData(data)), len(data))
}

// FromInt64 returns a tensor that shares data. It panics if len(data) does
// not match shape.
func FromInt64(data []int64, shape ...int) *Tensor {
	return fromSlice(Int64, shape, unsafe.Pointer(unsafe.SliceData(data)), len(data))
}

// FromInt32 returns a tensor that shares data. It panics if len(data) does
// not match shape.
func FromInt32(data []int32, shape ...int) *Tensor {
	return fromSlice(Int32, shape, unsafe.Pointer(unsafe.SliceData(data)), len(data))
}

// FromUint8 returns a tensor that shares data. It panics if len(data) does
// not match shape.
func FromUint8(data []uint8, shape ...int) *Tensor {
	return fromSlice(Uint8, shape, unsafe.Pointer(unsafe.SliceData(data)), len(data))
}

// FromBool returns a tensor holding data as bytes 0 and 1 (numpy's bool). It
// copies data and panics if len(data) does not match shape.
func FromBool(data []bool, shape ...int) *Tensor {
	t := NewTensor(Bool, shape...)
	if len(data) != len(t.data) {
		panic(fmt.Sprintf("sdk: %d values for shape %v", len(data), shape))
	}
	for i, b := range data {
		if b {
			t.data[i] = 1
		}
	}
	return t
}

// Scalar returns a 0-rank float64 tensor holding v.
func Scalar(v float64) *Tensor { return FromFloat64([]float64{v}) }

func fromSlice(dtype DType, shape []int, p unsafe.Pointer, n int) *Tensor {
	if shape == nil && n != 1 {
		shape = []int{n} // a bare slice is a vector
	}
	if NumElements(shape) != n {
		panic(fmt.Sprintf("sdk: %d values for shape %v", n, shape))
	}
	var b []byte
	if n > 0 {
		b = unsafe.Slice((*byte)(p), n*dtype.Size())
	}
	return &Tensor{dtype: dtype, shape: append([]int(nil), shape...), data: b}
}

// alignedBytes allocates n bytes aligned to 8, so that any typed view is legal.
func alignedBytes(n int) []byte {
	if n == 0 {
		return nil
	}
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), n)
}

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Shape returns the dimensions. The caller must not modify the returned slice.
func (t *Tensor) Shape() []int { return t.shape }

// Rank returns len(Shape()).
func (t *Tensor) Rank() int { return len(t.shape) }

// Len returns the number of elements.
func (t *Tensor) Len() int { return NumElements(t.shape) }

// Bytes returns the little-endian element bytes, shared with t.
func (t *Tensor) Bytes() []byte { return t.data }

// ShapeString formats the shape as numpy does, e.g. "(512, 113, 113)".
func (t *Tensor) ShapeString() string { return ShapeString(t.shape) }

// ShapeString formats a shape as numpy does, e.g. "(3,)" or "(2, 4)".
func ShapeString(shape []int) string {
	switch len(shape) {
	case 0:
		return "()"
	case 1:
		return fmt.Sprintf("(%d,)", shape[0])
	}
	s := "("
	for i, d := range shape {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(d)
	}
	return s + ")"
}

func (t *Tensor) mustBe(d DType) {
	if t.dtype != d {
		panic(fmt.Sprintf("sdk: tensor is %s, not %s", t.dtype, d))
	}
}

// Float32s returns the elements as a []float32 view shared with t. It panics
// if t is not Float32.
func (t *Tensor) Float32s() []float32 {
	t.mustBe(Float32)
	if len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&t.data[0])), len(t.data)/4)
}

// Float64s returns the elements as a []float64 view shared with t. It panics
// if t is not Float64.
func (t *Tensor) Float64s() []float64 {
	t.mustBe(Float64)
	if len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&t.data[0])), len(t.data)/8)
}

// Int64s returns the elements as a []int64 view shared with t. It panics if t
// is not Int64.
func (t *Tensor) Int64s() []int64 {
	t.mustBe(Int64)
	if len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(&t.data[0])), len(t.data)/8)
}

// Int32s returns the elements as a []int32 view shared with t. It panics if t
// is not Int32.
func (t *Tensor) Int32s() []int32 {
	t.mustBe(Int32)
	if len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&t.data[0])), len(t.data)/4)
}

// Uint8s returns the elements of a Uint8 or Bool tensor as a []uint8 view
// shared with t. It panics for any other dtype.
func (t *Tensor) Uint8s() []uint8 {
	if t.dtype != Bool {
		t.mustBe(Uint8)
	}
	return t.data
}

// Float16Bits returns the raw IEEE half (Float16) or bfloat16 (BFloat16) bit
// patterns as a []uint16 view shared with t. It panics for any other dtype.
func (t *Tensor) Float16Bits() []uint16 {
	if t.dtype != BFloat16 {
		t.mustBe(Float16)
	}
	if len(t.data) == 0 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&t.data[0])), len(t.data)/2)
}

// AsFloat64 returns a new []float64 holding every element converted from any
// numeric dtype (bool as 0/1).
func (t *Tensor) AsFloat64() []float64 {
	out := make([]float64, t.Len())
	switch t.dtype {
	case Float64:
		copy(out, t.Float64s())
	case Float32:
		for i, v := range t.Float32s() {
			out[i] = float64(v)
		}
	case Float16:
		for i, v := range t.Float16Bits() {
			out[i] = float64(Float16ToFloat32(v))
		}
	case BFloat16:
		for i, v := range t.Float16Bits() {
			out[i] = float64(math.Float32frombits(uint32(v) << 16))
		}
	case Int64:
		for i, v := range t.Int64s() {
			out[i] = float64(v)
		}
	case Int32:
		for i, v := range t.Int32s() {
			out[i] = float64(v)
		}
	case Uint8, Bool:
		for i, v := range t.data {
			out[i] = float64(v)
		}
	}
	return out
}

// AsFloat32 returns the elements as float32: a view when t is Float32, a
// converted copy otherwise.
func (t *Tensor) AsFloat32() []float32 {
	if t.dtype == Float32 {
		return t.Float32s()
	}
	f := t.AsFloat64()
	out := make([]float32, len(f))
	for i, v := range f {
		out[i] = float32(v)
	}
	return out
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{dtype: t.dtype, shape: append([]int(nil), t.shape...), data: alignedBytes(len(t.data))}
	copy(c.data, t.data)
	return c
}

// Reshape returns a tensor sharing t's data with a new shape. It panics if the
// number of elements differs.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if NumElements(shape) != t.Len() {
		panic(fmt.Sprintf("sdk: cannot reshape %v to %v", t.shape, shape))
	}
	return &Tensor{dtype: t.dtype, shape: append([]int(nil), shape...), data: t.data}
}

// String summarizes the tensor as dtype and shape, e.g. "float32(3, 4)".
func (t *Tensor) String() string { return string(t.dtype) + t.ShapeString() }
