package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRoundTripEveryDType(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][]int{{}, {1}, {7}, {3, 5}, {2, 0, 3}, {2, 3, 4}}
	dtypes := []sdk.DType{sdk.Float64, sdk.Float32, sdk.Float16, sdk.BFloat16, sdk.Int64, sdk.Int32, sdk.Uint8, sdk.Bool}
	tensors := map[string]*sdk.Tensor{}
	for _, d := range dtypes {
		for _, s := range shapes {
			tensors[string(d)+sdk.ShapeString(s)] = randomTensor(rng, d, s...)
		}
	}
	meta := map[string]string{"epoch": "7", "note": "ünïcode \"quoted\" <tag>"}
	path := filepath.Join(t.TempDir(), "all.safetensors")
	if err := WriteFile(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(tensors) {
		t.Fatalf("read %d tensors, wrote %d", len(f.Tensors), len(tensors))
	}
	for name, want := range tensors {
		got := f.Tensors[name]
		if got == nil || !sameTensor(got, want) {
			t.Errorf("%s: read %v, wrote %v", name, got, want)
		}
	}
	for k, v := range meta {
		if f.Metadata[k] != v {
			t.Errorf("metadata %q = %q, want %q", k, f.Metadata[k], v)
		}
	}
	// Every tensor starts aligned to its element size, so reads are views.
	raw, _ := os.ReadFile(path)
	hlen := binary.LittleEndian.Uint64(raw[:8])
	if hlen%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", hlen)
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+hlen], &hdr); err != nil {
		t.Fatal(err)
	}
	for name, r := range hdr {
		if name == metadataKey {
			continue
		}
		var info struct {
			DataOffsets [2]int `json:"data_offsets"`
		}
		json.Unmarshal(r, &info)
		if sz := tensors[name].DType().Size(); info.DataOffsets[0]%sz != 0 {
			t.Errorf("%s starts at %d, not aligned to %d", name, info.DataOffsets[0], sz)
		}
	}
}

func TestEncodeGolden(t *testing.T) {
	// A fixed, small file: the layout (header order, padding, data order by
	// element size then name) must not drift, since checkpoints are compared
	// byte for byte across runs.
	tensors := map[string]*sdk.Tensor{
		"b.scalar": sdk.FromFloat32([]float32{-1.5}),
		"a.mask":   sdk.FromBool([]bool{true, false, true}, 3),
		"c.w":      sdk.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3),
		"d.i64":    sdk.FromInt64([]int64{-1, 1 << 40}, 2),
	}
	var buf bytes.Buffer
	if err := Encode(&buf, tensors, map[string]string{"format": "pt", "epoch": "3"}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "encode_golden.safetensors")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Encode output differs from %s:\n got %q\nwant %q", golden, buf.Bytes(), want)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	ok := sdk.FromFloat32([]float32{1}, 1)
	for _, tc := range []struct {
		name    string
		tensors map[string]*sdk.Tensor
		want    string
	}{
		{"empty name", map[string]*sdk.Tensor{"": ok}, "empty tensor name"},
		{"reserved", map[string]*sdk.Tensor{"__metadata__": ok}, "reserved"},
		{"nil", map[string]*sdk.Tensor{"x": nil}, `"x" is nil`},
	} {
		path := filepath.Join(dir, "w.safetensors")
		err := WriteFile(path, tc.tensors, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s: a failed write left %s behind", tc.name, path)
		}
	}
}

// fileWith builds a safetensors file from a literal header and data.
func fileWith(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestReadRejectsCorruptFiles(t *testing.T) {
	valid := fileWith(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[],"data_offsets":[8,9]}}`, make([]byte, 9))
	for _, tc := range []struct {
		name   string
		data   []byte
		tensor string // the tensor the error must name ("" for the header)
		msg    string
	}{
		{"empty file", nil, "", "shorter than the 8-byte header length"},
		{"short length", []byte{1, 2, 3}, "", "shorter than the 8-byte"},
		{"header past end", valid[:20], "", "truncated file?"},
		{"huge header length", append([]byte{0, 0, 0, 0, 0, 0, 0, 1}, valid[8:]...), "", "exceeds the"},
		{"truncated data", valid[:len(valid)-1], "b", "run past"},
		{"trailing bytes", append(append([]byte(nil), valid...), 0), "b", "trailing bytes"},
		{"not JSON", fileWith(`{"a":`, nil), "a", "header record"},
		{"JSON array", fileWith(`[1, 2]`, nil), "", "not a JSON object"},
		{"content after object", fileWith(`{} {}`, nil), "", "content after"},
		{"duplicate name", fileWith(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "a", "appears twice"},
		{"overlap", fileWith(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "b", `overlap tensor "a"`},
		{"gap", fileWith(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12)), "b", "that no tensor holds"},
		{"gap at start", fileWith(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "a", "that no tensor holds"},
		{"mis-shaped", fileWith(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)), "w", "needs 12 bytes"},
		{"reversed offsets", fileWith(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, make([]byte, 4)), "w", "not an interval"},
		{"negative dim", fileWith(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), "w", "negative dimension"},
		{"huge shape", fileWith(`{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, make([]byte, 8)), "w", "too large"},
		{"unknown dtype", fileWith(`{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "w", `unknown dtype "F33"`},
		{"unsupported dtype", fileWith(`{"w":{"dtype":"I16","shape":[1],"data_offsets":[0,2]}}`, make([]byte, 2)), "w", "not supported by tdw"},
		{"missing shape", fileWith(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)), "w", "shape is missing"},
		{"missing dtype", fileWith(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), "w", "dtype is missing"},
		{"missing offsets", fileWith(`{"w":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)), "w", "data_offsets is missing"},
		{"three offsets", fileWith(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}`, make([]byte, 4)), "w", "has 3 values"},
		{"unknown field", fileWith(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"stride":[1]}}`, make([]byte, 4)), "w", "unknown field"},
		{"fractional dim", fileWith(`{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, make([]byte, 4)), "w", "header record"},
		{"non-string metadata", fileWith(`{"__metadata__":{"epoch":3}}`, nil), "", "must map strings to strings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), strings.ReplaceAll(tc.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := ReadFile(path)
			if err == nil {
				t.Fatalf("read %d tensors from a corrupt file without error", len(f.Tensors))
			}
			wantFormatError(t, err, path, tc.tensor, tc.msg)
		})
	}
	if _, err := Decode("valid", valid); err != nil {
		t.Fatalf("the valid base file is rejected: %v", err)
	}
}

// interopValues mirrors values() in testdata/make_interop.py.
func interopValues(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i-n/2) * 0.375
	}
	return v
}

func TestReadPythonWritten(t *testing.T) {
	path := filepath.Join("testdata", "python_written.safetensors")
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" || f.Metadata["written_by"] != "make_interop.py" {
		t.Errorf("metadata %v", f.Metadata)
	}
	type want struct {
		dtype  sdk.DType
		shape  []int
		values []float64
	}
	f64 := interopValues(6)
	for i := range f64 {
		f64[i] /= 3
	}
	wants := map[string]want{
		"f64":    {sdk.Float64, []int{2, 3}, f64},
		"f32":    {sdk.Float32, []int{3, 2, 2}, interopValues(12)},
		"f16":    {sdk.Float16, []int{5}, interopValues(5)},
		"bf16":   {sdk.BFloat16, []int{2, 2}, interopValues(4)},
		"i64":    {sdk.Int64, []int{4}, []float64{-2e12, -1e12, 0, 1e12}},
		"i32":    {sdk.Int32, []int{3}, []float64{-70000, 0, 70000}},
		"u8":     {sdk.Uint8, []int{3, 1}, []float64{0, 127, 255}},
		"mask":   {sdk.Bool, []int{3, 3}, []float64{1, 0, 0, 1, 1, 0, 1, 1, 1}},
		"IGNORE": {sdk.Float32, nil, []float64{math.Inf(-1)}},
		"empty":  {sdk.Float32, []int{0, 4}, []float64{}},
	}
	if len(f.Tensors) != len(wants) {
		t.Errorf("read %d tensors, want %d: %v", len(f.Tensors), len(wants), f.Names())
	}
	for name, w := range wants {
		got := f.Tensors[name]
		if got == nil {
			t.Errorf("%s: missing", name)
			continue
		}
		if got.DType() != w.dtype || !slices.Equal(got.Shape(), w.shape) {
			t.Errorf("%s: %v, want %s%s", name, got, w.dtype, sdk.ShapeString(w.shape))
			continue
		}
		gv := got.AsFloat64()
		for i := range w.values {
			if gv[i] != w.values[i] && math.Abs(gv[i]-w.values[i]) > 1e-15*math.Abs(w.values[i]) {
				t.Errorf("%s[%d] = %v, want %v", name, i, gv[i], w.values[i])
			}
		}
	}
	// ReadFloat32 widens the floating-point tensors and keeps the rest.
	g, err := ReadFloat32(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wants {
		got := g.Tensors[name]
		wantD := w.dtype
		switch wantD {
		case sdk.Float16, sdk.BFloat16, sdk.Float64:
			wantD = sdk.Float32
		}
		if got.DType() != wantD || !slices.Equal(got.Shape(), w.shape) {
			t.Errorf("ReadFloat32 %s: %v, want %s%s", name, got, wantD, sdk.ShapeString(w.shape))
			continue
		}
		if wantD == sdk.Float32 {
			for i, v := range got.Float32s() {
				if v != float32(w.values[i]) {
					t.Errorf("ReadFloat32 %s[%d] = %v, want %v", name, i, v, float32(w.values[i]))
				}
			}
		}
	}
}

// docLoader returns the numpy-only safetensors reader of the tdw Python
// package (python/tdw/safetensors.py, self-contained: json, struct, numpy),
// which docs/python.md gives researchers, so that it is tested against files
// Go writes.
func docLoader(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "python", "tdw", "safetensors.py"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "def load_safetensors(") {
		t.Fatal("python/tdw/safetensors.py has no load_safetensors")
	}
	return string(src)
}

// readerPy prints what load_safetensors returns as JSON: dtype, shape and
// values of every tensor, and the metadata.
const readerPy = `
import sys
arrays, meta = load_safetensors(sys.argv[1])
out = {"__metadata__": meta}
for name, a in arrays.items():
    out[name] = {"dtype": a.dtype.str, "shape": list(a.shape),
                 "values": [None if not np.isfinite(v) else float(v) for v in a.astype(np.float64).ravel()]}
print(json.dumps(out))
`

func TestPythonReadsGoWritten(t *testing.T) {
	py := pythonWithNumpy(t)
	rng := rand.New(rand.NewPCG(3, 4))
	tensors := map[string]*sdk.Tensor{
		"embed.W_E":            randomTensor(rng, sdk.Float32, 5, 3),
		"blocks.0.attn.IGNORE": sdk.FromFloat32([]float32{float32(math.Inf(-1))}),
		"blocks.0.attn.mask":   sdk.FromBool([]bool{true, false, true, true}, 2, 2),
		"f64":                  randomTensor(rng, sdk.Float64, 2, 2, 2),
		"f16":                  randomTensor(rng, sdk.Float16, 3),
		"bf16":                 sdk.NewTensor(sdk.BFloat16, 2),
		"i64":                  sdk.FromInt64([]int64{-5, 1 << 50}, 2),
		"i32":                  sdk.FromInt32([]int32{-7, 9, 11}, 3),
		"u8":                   sdk.FromUint8([]uint8{0, 200}, 2),
		"scalar":               sdk.FromFloat64([]float64{math.Pi}),
	}
	copy(tensors["bf16"].Float16Bits(), []uint16{0x3fc0, 0xc040}) // 1.5, -3
	path := filepath.Join(t.TempDir(), "go.safetensors")
	if err := WriteFile(path, tensors, map[string]string{"epoch": "12"}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", docLoader(t)+readerPy, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var got map[string]struct {
		DType  string     `json:"dtype"`
		Shape  []int      `json:"shape"`
		Values []*float64 `json:"values"`
	}
	var meta struct {
		Meta map[string]string `json:"__metadata__"`
	}
	json.Unmarshal(out, &meta)
	if meta.Meta["epoch"] != "12" {
		t.Errorf("python read metadata %v", meta.Meta)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	delete(got, metadataKey)
	if len(got) != len(tensors) {
		t.Errorf("python read %d tensors, want %d", len(got), len(tensors))
	}
	for name, want := range tensors {
		g, ok := got[name]
		if !ok {
			t.Errorf("python did not read %s", name)
			continue
		}
		wantDescr := map[sdk.DType]string{sdk.Float64: "<f8", sdk.Float32: "<f4", sdk.Float16: "<f2", sdk.BFloat16: "<f4",
			sdk.Int64: "<i8", sdk.Int32: "<i4", sdk.Uint8: "|u1", sdk.Bool: "|b1"}[want.DType()]
		if g.DType != wantDescr || !slices.Equal(g.Shape, want.Shape()) {
			t.Errorf("%s: python read %s%v, want %v", name, g.DType, g.Shape, want)
			continue
		}
		for i, w := range want.AsFloat64() {
			switch {
			case g.Values[i] == nil:
				if !math.IsInf(w, 0) && !math.IsNaN(w) {
					t.Errorf("%s[%d]: python read non-finite, want %v", name, i, w)
				}
			case *g.Values[i] != w:
				t.Errorf("%s[%d]: python read %v, want %v", name, i, *g.Values[i], w)
			}
		}
	}
}
