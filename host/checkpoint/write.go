package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/sdk"
)

// metadataKey is the header entry that holds string metadata, not a tensor.
const metadataKey = "__metadata__"

// WriteFile writes tensors and string metadata to path as a safetensors file,
// atomically: the content goes to a temporary file in the same directory, is
// synced and renamed over path, and the directory is synced. After an error
// path is unchanged.
//
// Header entries are in name order; tensor data is laid out by decreasing
// element size, then by name, so that every tensor starts at an offset aligned
// to its element size (the header is padded with spaces to a multiple of 8, as
// the reference Rust and Python implementations do). The output is a
// deterministic function of the arguments.
func WriteFile(path string, tensors map[string]*sdk.Tensor, metadata map[string]string) error {
	return atomicfile.WriteWith(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := Encode(bw, tensors, metadata); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// Encode writes tensors and metadata to w in the safetensors format, laid out
// as WriteFile describes. It returns an error for a nil tensor, an empty name,
// the reserved name "__metadata__", or a dtype safetensors cannot hold.
func Encode(w io.Writer, tensors map[string]*sdk.Tensor, metadata map[string]string) error {
	header, order, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, name := range order {
		if _, err := w.Write(tensors[name].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// encodeHeader returns the padded JSON header and the order of the data.
func encodeHeader(tensors map[string]*sdk.Tensor, metadata map[string]string) ([]byte, []string, error) {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		switch {
		case name == "":
			return nil, nil, fmt.Errorf("safetensors: empty tensor name")
		case name == metadataKey:
			return nil, nil, fmt.Errorf("safetensors: %q is reserved for metadata", name)
		case t == nil:
			return nil, nil, fmt.Errorf("safetensors: tensor %q is nil", name)
		case stName(t.DType()) == "":
			return nil, nil, fmt.Errorf("safetensors: tensor %q: dtype %q has no safetensors name", name, t.DType())
		}
		names = append(names, name)
	}
	sort.Strings(names)
	order := append([]string(nil), names...)
	sort.SliceStable(order, func(i, j int) bool {
		return tensors[order[i]].DType().Size() > tensors[order[j]].DType().Size()
	})
	offsets := make(map[string][2]int, len(order))
	off := 0
	for _, name := range order {
		n := len(tensors[name].Bytes())
		offsets[name] = [2]int{off, off + n}
		off += n
	}

	var b bytes.Buffer
	b.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata) // encoding/json sorts map keys
		if err != nil {
			return nil, nil, err
		}
		b.WriteString(`"__metadata__":`)
		b.Write(m)
	}
	for i, name := range names {
		if i > 0 || len(metadata) > 0 {
			b.WriteByte(',')
		}
		t := tensors[name]
		key, _ := json.Marshal(name)
		shape := t.Shape()
		if shape == nil {
			shape = []int{} // a 0-rank tensor's shape is [], never null
		}
		s, _ := json.Marshal(shape)
		o := offsets[name]
		fmt.Fprintf(&b, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, key, stName(t.DType()), s, o[0], o[1])
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), order, nil
}
