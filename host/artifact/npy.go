package artifact

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/sdk"
)

// npyMagic opens every .npy file.
const npyMagic = "\x93NUMPY"

// maxHeaderLen bounds the .npy header a reader accepts, so a corrupt length
// cannot make it allocate without limit; it leaves room for format 2.0
// headers (numpy's own default limit for untrusted files is 10,000 bytes).
const maxHeaderLen = 1 << 20

// descrs maps each supported dtype to the numpy descr tdw writes.
var descrs = map[sdk.DType]string{
	sdk.Float64: "<f8",
	sdk.Float32: "<f4",
	sdk.Float16: "<f2",
	sdk.Int64:   "<i8",
	sdk.Int32:   "<i4",
	sdk.Uint8:   "|u1",
	sdk.Bool:    "|b1",
}

// npyHeader returns the complete header (magic, version, length, dict,
// padding) for an array of dtype and shape: version 1.0 unless the dict needs
// more than 65535 bytes, then 2.0; padded with spaces and a newline so the
// data starts at a multiple of 64 bytes, as numpy writes.
func npyHeader(dtype sdk.DType, shape []int) ([]byte, error) {
	descr, ok := descrs[dtype]
	if !ok {
		return nil, fmt.Errorf("dtype %s has no numpy equivalent (numpy has no bfloat16; convert to float32)", dtype)
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, pyTuple(shape))
	for _, prefix := range []int{10, 12} { // magic+version+u16, magic+version+u32
		total := prefix + len(dict) + 1
		pad := (64 - total%64) % 64
		hlen := len(dict) + pad + 1
		if prefix == 10 && hlen > 65535 {
			continue
		}
		h := make([]byte, 0, prefix+hlen)
		h = append(h, npyMagic...)
		if prefix == 10 {
			h = append(h, 1, 0)
			h = binary.LittleEndian.AppendUint16(h, uint16(hlen))
		} else {
			h = append(h, 2, 0)
			h = binary.LittleEndian.AppendUint32(h, uint32(hlen))
		}
		h = append(h, dict...)
		h = append(h, strings.Repeat(" ", pad)...)
		return append(h, '\n'), nil
	}
	panic("unreachable")
}

// pyTuple formats shape as Python's repr of a tuple: (), (3,), (3, 4).
func pyTuple(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// EncodeNPY writes t to w in the .npy format (C order, little-endian), the
// header first and then t's bytes in one write. It returns an error for a
// dtype numpy lacks (bfloat16).
func EncodeNPY(w io.Writer, t *sdk.Tensor) error {
	h, err := npyHeader(t.DType(), t.Shape())
	if err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	_, err = w.Write(t.Bytes())
	return err
}

// WriteNPY writes t to path as a .npy file, atomically.
func WriteNPY(path string, t *sdk.Tensor) error {
	return atomicfile.WriteWith(path, 0o644, func(w io.Writer) error { return EncodeNPY(w, t) })
}

// ReadNPY reads a .npy file. Errors name path.
func ReadNPY(path string) (*sdk.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	t, err := decodeNPY(bufio.NewReaderSize(f, 1<<16), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// DecodeNPY reads one .npy array from r, which must hold exactly size bytes
// (size < 0: unknown, and the shape is trusted for the allocation). The
// returned errors do not name a file; callers add it.
func DecodeNPY(r io.Reader, size int64) (*sdk.Tensor, error) {
	return decodeNPY(r, size)
}

// npyInfo is a parsed .npy header. dtype and shape are what the array is
// read as; a stored type sdk has no dtype for is widened (see stored).
type npyInfo struct {
	dtype   sdk.DType
	shape   []int
	fortran bool
	hdrLen  int64 // bytes before the data
	dataLen int64
	stored  storedType
}

// readNPYHeader reads and validates the header from r.
func readNPYHeader(r io.Reader) (*npyInfo, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("not a .npy array: %v", shortErr(err))
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("not a .npy array: bad magic %q", pre[:6])
	}
	var hlen, prefix int64
	switch pre[6] {
	case 1:
		hlen, prefix = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		var more [2]byte
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return nil, fmt.Errorf(".npy header: %v", shortErr(err))
		}
		hlen, prefix = int64(binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...))), 12
	default:
		return nil, fmt.Errorf(".npy format version %d.%d is not supported", pre[6], pre[7])
	}
	if hlen > maxHeaderLen {
		return nil, fmt.Errorf(".npy header length %d exceeds %d bytes", hlen, maxHeaderLen)
	}
	dict := make([]byte, hlen)
	if _, err := io.ReadFull(r, dict); err != nil {
		return nil, fmt.Errorf(".npy header: %v", shortErr(err))
	}
	info, err := parseHeaderDict(string(dict))
	if err != nil {
		return nil, fmt.Errorf(".npy header %q: %v", strings.TrimSpace(string(dict)), err)
	}
	info.hdrLen = prefix + hlen
	return info, nil
}

func shortErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("truncated")
	}
	return err
}

func decodeNPY(r io.Reader, size int64) (*sdk.Tensor, error) {
	info, err := readNPYHeader(r)
	if err != nil {
		return nil, err
	}
	if size >= 0 && info.hdrLen+info.dataLen != size {
		return nil, fmt.Errorf("%s%s needs %d data bytes after the %d-byte header, but %d are there",
			info.dtype, sdk.ShapeString(info.shape), info.dataLen, info.hdrLen, size-info.hdrLen)
	}
	shape := info.shape
	if info.fortran {
		shape = reversed(info.shape)
	}
	t := sdk.NewTensor(info.dtype, shape...)
	dst := t.Bytes()
	intWide := info.stored.size != 0 && !info.stored.complex
	if intWide {
		dst = make([]byte, info.dataLen)
	}
	if _, err := io.ReadFull(r, dst); err != nil {
		return nil, fmt.Errorf("data of %s%s: %v", info.dtype, sdk.ShapeString(info.shape), shortErr(err))
	}
	if intWide {
		widen(t.Int32s(), dst, info.stored.size)
	}
	if info.fortran {
		t = transposeAll(t)
	}
	return t, nil
}

// parseHeaderDict parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseHeaderDict(s string) (*npyInfo, error) {
	p := &pyLit{s: s}
	if !p.eat('{') {
		return nil, fmt.Errorf("not a dict")
	}
	info := &npyInfo{}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return nil, fmt.Errorf("expected ':' after %q", key)
		}
		switch key {
		case "descr":
			d, err := p.str()
			if err != nil {
				return nil, fmt.Errorf("descr: %v (structured dtypes are not supported)", err)
			}
			if info.dtype, info.stored, err = dtypeOf(d); err != nil {
				return nil, err
			}
		case "fortran_order":
			if info.fortran, err = p.boolean(); err != nil {
				return nil, fmt.Errorf("fortran_order: %v", err)
			}
		case "shape":
			if info.shape, err = p.intTuple(); err != nil {
				return nil, fmt.Errorf("shape: %v", err)
			}
		default:
			return nil, fmt.Errorf("unknown key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, fmt.Errorf("expected ',' or '}' at byte %d", p.i)
			}
			break
		}
	}
	if p.skipSpace(); p.i != len(p.s) {
		return nil, fmt.Errorf("content after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return nil, fmt.Errorf("key %q is missing", k)
		}
	}
	if info.stored.complex && info.fortran {
		return nil, fmt.Errorf("a Fortran-ordered complex array is not supported")
	}
	n := int64(info.dtype.Size())
	if info.stored.size != 0 {
		n = int64(info.stored.size)
	}
	for _, d := range info.shape {
		if d > 0 && n > (1<<62)/int64(d) {
			return nil, fmt.Errorf("shape %v is too large", info.shape)
		}
		n *= int64(d)
	}
	info.dataLen = n
	if info.stored.complex {
		// complex is (real, imaginary) pairs: read as a trailing axis of 2.
		info.shape = append(info.shape, 2)
	}
	return info, nil
}

// storedType describes a file's element type that tdw reads as another
// dtype: numpy arrays written elsewhere (e.g. by the reference project) hold
// int16, int8 and complex arrays, which sdk has no dtype for.
type storedType struct {
	size    int  // bytes per stored element; 0 when stored as read
	complex bool // (real, imaginary) pairs read as a trailing axis of 2
}

// widened maps the descr kinds read as another dtype: int8 and int16 widen
// exactly to int32; complex64 and complex128 become float32 and float64
// with a trailing (real, imaginary) axis.
var widened = map[string]struct {
	dtype  sdk.DType
	stored storedType
}{
	"i1":  {sdk.Int32, storedType{size: 1}},
	"i2":  {sdk.Int32, storedType{size: 2}},
	"c8":  {sdk.Float32, storedType{size: 8, complex: true}},
	"c16": {sdk.Float64, storedType{size: 16, complex: true}},
}

// dtypeOf maps a numpy descr to the dtype it is read as, and how it is
// stored when that differs; '=' and '<' are little-endian here.
func dtypeOf(descr string) (sdk.DType, storedType, error) {
	if len(descr) < 3 {
		return "", storedType{}, fmt.Errorf("descr %q is not supported", descr)
	}
	order, kind := descr[0], descr[1:]
	m := map[string]sdk.DType{"f8": sdk.Float64, "f4": sdk.Float32, "f2": sdk.Float16,
		"i8": sdk.Int64, "i4": sdk.Int32, "u1": sdk.Uint8, "b1": sdk.Bool}
	d, ok := m[kind]
	var st storedType
	size := d.Size()
	if w, isWide := widened[kind]; isWide {
		d, st, ok, size = w.dtype, w.stored, true, w.stored.size
	}
	if !ok {
		return "", storedType{}, fmt.Errorf("descr %q is not supported (float64/32/16, int64/32/16/8, uint8, bool, complex128/64 are)", descr)
	}
	switch {
	case order == '>' && size > 1:
		return "", storedType{}, fmt.Errorf("descr %q is big-endian, which is not supported", descr)
	case order != '<' && order != '=' && order != '|' && order != '>':
		return "", storedType{}, fmt.Errorf("descr %q has an unknown byte order", descr)
	}
	return d, st, nil
}

// widen converts n stored signed integers of size bytes in src into dst's
// int32 elements.
func widen(dst []int32, src []byte, size int) {
	for i := range dst {
		switch size {
		case 1:
			dst[i] = int32(int8(src[i]))
		case 2:
			dst[i] = int32(int16(binary.LittleEndian.Uint16(src[2*i:])))
		}
	}
}

// pyLit scans the subset of Python literals a .npy header uses.
type pyLit struct {
	s string
	i int
}

func (p *pyLit) skipSpace() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyLit) eat(c byte) bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyLit) str() (string, error) {
	p.skipSpace()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", fmt.Errorf("expected a string at byte %d", p.i)
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at byte %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *pyLit) boolean() (bool, error) {
	p.skipSpace()
	for _, w := range []string{"True", "False"} {
		if strings.HasPrefix(p.s[p.i:], w) {
			p.i += len(w)
			return w == "True", nil
		}
	}
	return false, fmt.Errorf("expected True or False at byte %d", p.i)
}

// intTuple parses (), (3,), (3, 4) and, from Python 2 writers, (3L, 4L).
func (p *pyLit) intTuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("expected a tuple at byte %d", p.i)
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, nil
		}
		p.skipSpace()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		v, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil || v > 1<<50 {
			return nil, fmt.Errorf("expected a dimension at byte %d", p.i)
		}
		shape = append(shape, int(v))
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, fmt.Errorf("expected ',' or ')' at byte %d", p.i)
			}
			return shape, nil
		}
	}
}

func reversed(s []int) []int {
	r := make([]int, len(s))
	for i, d := range s {
		r[len(s)-1-i] = d
	}
	return r
}

// transposeAll reverses all axes of t (C order of shape s reversed becomes C
// order of s): how a Fortran-ordered array becomes row-major.
func transposeAll(t *sdk.Tensor) *sdk.Tensor {
	in := t.Shape()
	out := reversed(in)
	r := sdk.NewTensor(t.DType(), out...)
	n, es := t.Len(), t.DType().Size()
	if len(in) < 2 || n == 0 {
		copy(r.Bytes(), t.Bytes())
		return r
	}
	// Strides of the source viewed in the output's index order.
	stride := make([]int, len(in))
	s := 1
	for i := len(in) - 1; i >= 0; i-- {
		stride[i] = s
		s *= in[i]
	}
	src, dst := t.Bytes(), r.Bytes()
	idx := make([]int, len(out))
	for k := range n {
		// Output index idx[j] runs over axis len(in)-1-j of the input.
		off := 0
		for j, v := range idx {
			off += v * stride[len(in)-1-j]
		}
		copy(dst[k*es:(k+1)*es], src[off*es:(off+1)*es])
		for j := len(idx) - 1; j >= 0; j-- {
			idx[j]++
			if idx[j] < out[j] {
				break
			}
			idx[j] = 0
		}
	}
	return r
}
