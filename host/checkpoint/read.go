package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"unsafe"

	"github.com/tdw-workbench/tdw/sdk"
)

// MaxHeaderLen bounds the JSON header a reader accepts (the Rust reference
// implementation uses the same 100 MB bound), so that a corrupt length field
// cannot make the reader allocate without limit.
const MaxHeaderLen = 100_000_000

// File is a decoded safetensors file.
type File struct {
	// Path is the file read, or the name given to Decode; errors name it.
	Path string
	// Metadata is the header's "__metadata__" map (empty if absent).
	Metadata map[string]string
	// Tensors maps each name in the file to its tensor. Buffers such as
	// blocks.L.attn.mask (BOOL) and blocks.L.attn.IGNORE (0-rank F32) are
	// kept as they are; the engine ignores what it does not know.
	Tensors map[string]*sdk.Tensor
}

// Names returns the tensor names in sorted order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Tensors))
	for k := range f.Tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ReadFile reads and validates the safetensors file at path, keeping every
// tensor in its stored dtype. The file is read with one read into one buffer
// of which the tensors are views. Any violation of the format is a
// *FormatError naming path and, where one is at fault, the tensor.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < 8 {
		return nil, formatErr(path, "", "file is %d bytes, shorter than the 8-byte header length", size)
	}
	var n [8]byte
	if _, err := f.ReadAt(n[:], 0); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkHeaderLen(path, binary.LittleEndian.Uint64(n[:]), uint64(size)); err != nil {
		return nil, err
	}
	buf := alignedBytes(int(size))
	if _, err := f.ReadAt(buf, 0); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, formatErr(path, "", "file shrank while being read")
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Decode(path, buf)
}

// ReadFloat32 is ReadFile followed by ToFloat32: F16, BF16 and F64 tensors
// arrive as float32, every other dtype as stored.
func ReadFloat32(path string) (*File, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	f.ToFloat32()
	return f, nil
}

// ToFloat32 replaces every F16, BF16 and F64 tensor of f by its float32
// conversion (F16 and BF16 exactly, F64 rounded to nearest). Integer and bool
// tensors are left as they are.
func (f *File) ToFloat32() {
	for name, t := range f.Tensors {
		var out []float32
		switch t.DType() {
		case sdk.Float16:
			out = make([]float32, t.Len())
			for i, h := range t.Float16Bits() {
				out[i] = sdk.Float16ToFloat32(h)
			}
		case sdk.BFloat16:
			out = make([]float32, t.Len())
			for i, h := range t.Float16Bits() {
				out[i] = math.Float32frombits(uint32(h) << 16)
			}
		case sdk.Float64:
			out = make([]float32, t.Len())
			for i, v := range t.Float64s() {
				out[i] = float32(v)
			}
		default:
			continue
		}
		f.Tensors[name] = sdk.FromFloat32(out, t.Shape()...)
	}
}

// Decode validates and decodes a whole safetensors file held in data. name is
// used in errors. The tensors share data's memory where it is aligned for
// their dtype. Every violation is a *FormatError:
//   - header length beyond the data or above MaxHeaderLen;
//   - header not a single JSON object, a duplicate name, an unknown field,
//     a missing dtype, shape or data_offsets, non-string metadata;
//   - a dtype that is unknown or that sdk.Tensor cannot hold;
//   - a negative dimension, or shape × element size ≠ the byte length;
//   - offsets out of order (begin > end), beyond the buffer, overlapping,
//     leaving a gap, or not covering the buffer to its end.
func Decode(name string, data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, formatErr(name, "", "file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	hlen := binary.LittleEndian.Uint64(data[:8])
	if err := checkHeaderLen(name, hlen, uint64(len(data))); err != nil {
		return nil, err
	}
	header := data[8 : 8+hlen]
	buf := data[8+hlen:]
	entries, meta, err := parseHeader(name, header)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(name, entries, len(buf)); err != nil {
		return nil, err
	}
	f := &File{Path: name, Metadata: meta, Tensors: make(map[string]*sdk.Tensor, len(entries))}
	for _, e := range entries {
		b := buf[e.begin:e.end:e.end]
		t, err := sdk.TensorFromBytes(e.dtype, e.shape, b)
		if err != nil {
			return nil, formatErr(name, e.name, "%v", err)
		}
		f.Tensors[e.name] = t
	}
	return f, nil
}

func checkHeaderLen(name string, hlen, size uint64) error {
	switch {
	case hlen > MaxHeaderLen:
		return formatErr(name, "", "header length %d exceeds the %d-byte limit (corrupt length field?)", hlen, MaxHeaderLen)
	case hlen > size-8:
		return formatErr(name, "", "header length %d exceeds the %d bytes after the length field (truncated file?)", hlen, size-8)
	case hlen < 2:
		return formatErr(name, "", "header length %d is too short for a JSON object", hlen)
	}
	return nil
}

// entry is one tensor's header record, validated.
type entry struct {
	name       string
	dtype      sdk.DType
	shape      []int
	begin, end int
}

// rawInfo mirrors a header record; pointers tell a missing field from a zero.
type rawInfo struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

// parseHeader walks the JSON object token by token, because decoding into a
// Go map would silently keep only the last of two entries with the same name.
func parseHeader(file string, header []byte) ([]entry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, formatErr(file, "", "header is not a JSON object")
	}
	seen := map[string]bool{}
	meta := map[string]string{}
	var entries []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, formatErr(file, "", "header JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, formatErr(file, "", "header JSON: expected a name, got %v", tok)
		}
		if seen[name] {
			return nil, nil, formatErr(file, name, "name appears twice in the header")
		}
		seen[name] = true
		if name == metadataKey {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, formatErr(file, "", "__metadata__ must map strings to strings: %v", err)
			}
			if meta == nil { // "__metadata__": null
				meta = map[string]string{}
			}
			continue
		}
		var ri rawInfo
		if err := dec.Decode(&ri); err != nil {
			return nil, nil, formatErr(file, name, "header record: %v", err)
		}
		e, err := checkInfo(file, name, ri)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, formatErr(file, "", "header JSON is not closed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, formatErr(file, "", "header has content after its JSON object")
	}
	return entries, meta, nil
}

func checkInfo(file, name string, ri rawInfo) (entry, error) {
	e := entry{name: name}
	switch {
	case ri.DType == nil:
		return e, formatErr(file, name, "dtype is missing")
	case ri.Shape == nil:
		return e, formatErr(file, name, "shape is missing")
	case ri.DataOffsets == nil:
		return e, formatErr(file, name, "data_offsets is missing")
	}
	d, ok := stDTypes[*ri.DType]
	if !ok {
		if otherSTDTypes[*ri.DType] {
			return e, formatErr(file, name, "dtype %s is valid safetensors but not supported by tdw", *ri.DType)
		}
		return e, formatErr(file, name, "unknown dtype %q", *ri.DType)
	}
	e.dtype = d
	// Count bytes with an overflow guard: a forged shape must not wrap.
	const limit = math.MaxInt64 / 16
	n := int64(d.Size())
	for _, dim := range *ri.Shape {
		if dim < 0 {
			return e, formatErr(file, name, "negative dimension in shape %v", *ri.Shape)
		}
		if dim > 0 && n > limit/dim {
			return e, formatErr(file, name, "shape %v is too large", *ri.Shape)
		}
		n *= dim
		e.shape = append(e.shape, int(dim))
	}
	off := *ri.DataOffsets
	if len(off) != 2 {
		return e, formatErr(file, name, "data_offsets has %d values, want [begin, end]", len(off))
	}
	if off[0] < 0 || off[1] < off[0] {
		return e, formatErr(file, name, "data_offsets [%d, %d] are not an interval", off[0], off[1])
	}
	if off[1]-off[0] != n {
		return e, formatErr(file, name, "%s shape %v needs %d bytes but data_offsets [%d, %d] hold %d",
			*ri.DType, *ri.Shape, n, off[0], off[1], off[1]-off[0])
	}
	e.begin, e.end = int(off[0]), int(off[1])
	return e, nil
}

// checkLayout requires the tensors' byte ranges to tile [0, bufLen) exactly.
func checkLayout(file string, entries []entry, bufLen int) error {
	byOff := make([]int, len(entries))
	for i := range byOff {
		byOff[i] = i
	}
	sort.Slice(byOff, func(a, b int) bool {
		ea, eb := entries[byOff[a]], entries[byOff[b]]
		if ea.begin != eb.begin {
			return ea.begin < eb.begin
		}
		return ea.end < eb.end
	})
	pos, prev := 0, ""
	for _, i := range byOff {
		e := entries[i]
		switch {
		case e.end > bufLen:
			return formatErr(file, e.name, "data_offsets [%d, %d] run past the %d-byte data buffer (truncated file?)", e.begin, e.end, bufLen)
		case e.begin < pos:
			return formatErr(file, e.name, "data_offsets [%d, %d] overlap tensor %q, which ends at %d", e.begin, e.end, prev, pos)
		case e.begin > pos:
			return formatErr(file, e.name, "data_offsets [%d, %d] leave bytes [%d, %d) that no tensor holds", e.begin, e.end, pos, e.begin)
		}
		pos, prev = e.end, e.name
	}
	if pos != bufLen {
		return formatErr(file, prev, "data buffer is %d bytes but the tensors end at %d: %d trailing bytes", bufLen, pos, bufLen-pos)
	}
	return nil
}

// alignedBytes allocates n bytes aligned to 8, so that tensors laid out at
// aligned offsets are zero-copy views.
func alignedBytes(n int) []byte {
	if n == 0 {
		return nil
	}
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), n)
}
