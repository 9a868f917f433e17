package artifact

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

var allDTypes = []sdk.DType{sdk.Float64, sdk.Float32, sdk.Float16, sdk.Int64, sdk.Int32, sdk.Uint8, sdk.Bool}

func allArrays(rng *rand.Rand) map[string]*sdk.Tensor {
	arrays := map[string]*sdk.Tensor{}
	for _, d := range allDTypes {
		for _, s := range [][]int{{}, {1}, {9}, {3, 4}, {0, 2}, {2, 3, 2, 2}} {
			arrays[string(d)+sdk.ShapeString(s)] = randomTensor(rng, d, s...)
		}
	}
	arrays["blocks.0.attn.hook_pattern"] = randomTensor(rng, sdk.Float32, 4, 2, 3, 3)
	arrays["nested/name"] = randomTensor(rng, sdk.Float32, 2)
	return arrays
}

func TestNPZRoundTrip(t *testing.T) {
	for _, opt := range []WriteOptions{{}, {Compress: true}} {
		rng := rand.New(rand.NewPCG(1, 1))
		arrays := allArrays(rng)
		path := filepath.Join(t.TempDir(), "a.npz")
		if err := WriteNPZ(path, arrays, opt); err != nil {
			t.Fatal(err)
		}
		got, err := ReadNPZ(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(arrays) {
			t.Errorf("compress=%v: read %d entries, wrote %d", opt.Compress, len(got), len(arrays))
		}
		for name, want := range arrays {
			if !sameTensor(got[name], want) {
				t.Errorf("compress=%v: %s: read %v, wrote %v", opt.Compress, name, got[name], want)
			}
		}
	}
}

func TestNPYRoundTripAndAlignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	dir := t.TempDir()
	for name, want := range allArrays(rng) {
		if strings.Contains(name, "/") {
			continue
		}
		path := filepath.Join(dir, name+".npy")
		if err := WriteNPY(path, want); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		if off := len(raw) - len(want.Bytes()); off%64 != 0 {
			t.Errorf("%s: data starts at %d, not a multiple of 64", name, off)
		}
		got, err := ReadNPY(path)
		if err != nil {
			t.Fatal(err)
		}
		if !sameTensor(got, want) {
			t.Errorf("%s: read %v, wrote %v", name, got, want)
		}
	}
}

func TestNPYHeaderVersion2(t *testing.T) {
	// A shape whose dict exceeds 65535 bytes needs format 2.0.
	shape := make([]int, 5500)
	for i := range shape {
		shape[i] = 1_000_000_000 // 12 bytes each in the dict; shape[0] = 0 keeps the size 0
	}
	shape[0] = 0
	h, err := npyHeader(sdk.Float32, shape)
	if err != nil {
		t.Fatal(err)
	}
	if h[6] != 2 || len(h)%64 != 0 {
		t.Fatalf("version %d, length %d", h[6], len(h))
	}
	info, err := readNPYHeader(bytes.NewReader(h))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.shape) != len(shape) || info.hdrLen != int64(len(h)) {
		t.Errorf("parsed %d dims, header %d bytes", len(info.shape), info.hdrLen)
	}
}

func TestBFloat16IsRefused(t *testing.T) {
	err := WriteNPZ(filepath.Join(t.TempDir(), "x.npz"), map[string]*sdk.Tensor{"w": sdk.NewTensor(sdk.BFloat16, 2)}, WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), `entry "w"`) || !strings.Contains(err.Error(), "bfloat16") {
		t.Errorf("got %v, want an error naming the entry and bfloat16", err)
	}
}

// fixtureValues mirrors vals() in testdata/make_fixtures.py.
func fixtureValues(n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i-n/2) * 0.375 * scale
	}
	return v
}

func TestReadNumpyWritten(t *testing.T) {
	want := map[string]struct {
		dtype  sdk.DType
		shape  []int
		values []float64
	}{
		"f64":                        {sdk.Float64, []int{2, 3}, fixtureValues(6, 1)},
		"f32":                        {sdk.Float32, []int{2, 3, 4}, fixtureValues(24, 1)},
		"f16":                        {sdk.Float16, []int{5}, fixtureValues(5, 1)},
		"i64":                        {sdk.Int64, []int{4, 1}, fixtureValues(4, 8)},
		"i32":                        {sdk.Int32, []int{3}, fixtureValues(3, 8)},
		"u8":                         {sdk.Uint8, []int{3}, []float64{0, 100, 200}},
		"bool":                       {sdk.Bool, []int{7}, []float64{1, 0, 0, 1, 0, 0, 1}},
		"scalar":                     {sdk.Float64, nil, []float64{2.5}},
		"empty":                      {sdk.Float32, []int{0, 3}, nil},
		"blocks.0.attn.hook_pattern": {sdk.Float32, []int{2, 2, 3, 3}, fixtureValues(36, 1)},
	}
	check := func(t *testing.T, name string, got *sdk.Tensor) {
		w := want[name]
		if got.DType() != w.dtype || !sameShape(got.Shape(), w.shape) {
			t.Errorf("%s: %v, want %s%s", name, got, w.dtype, sdk.ShapeString(w.shape))
			return
		}
		for i, v := range got.AsFloat64() {
			if v != w.values[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, v, w.values[i])
			}
		}
	}
	for _, file := range []string{"numpy_savez.npz", "numpy_savez_compressed.npz"} {
		t.Run(file, func(t *testing.T) {
			z, err := OpenNPZ(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			if len(z.Names()) != len(want) {
				t.Errorf("entries %v", z.Names())
			}
			for name := range want {
				d, shape, err := z.Info(name)
				if err != nil || d != want[name].dtype || !sameShape(shape, want[name].shape) {
					t.Errorf("Info(%s) = %s %v %v", name, d, shape, err)
				}
				got, err := z.Read(name)
				if err != nil {
					t.Fatal(err)
				}
				check(t, name, got)
			}
		})
	}
	for _, file := range []string{"numpy_c.npy", "numpy_fortran.npy"} {
		got, err := ReadNPY(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		check(t, "f32", got)
	}
	one, err := ReadNPZEntry(filepath.Join("testdata", "numpy_savez.npz"), "i32")
	if err != nil {
		t.Fatal(err)
	}
	check(t, "i32", one)
}

// TestReadReferenceDTypes: arrays numpy writes in dtypes sdk lacks, as the
// reference project's artifacts hold them, are read widened: int16 and int8
// as int32, complex as a trailing (real, imaginary) axis; 0-d float16 and
// bool arrays as 0-d tensors.
func TestReadReferenceDTypes(t *testing.T) {
	v := fixtureValues(6, 1)
	want := map[string]struct {
		dtype  sdk.DType
		shape  []int
		values []float64
	}{
		"i16":         {sdk.Int32, []int{2, 3}, fixtureValues(6, 8)},
		"i8":          {sdk.Int32, []int{6}, fixtureValues(6, 8)},
		"c128":        {sdk.Float64, []int{3, 2, 2}, nil},
		"c64":         {sdk.Float32, []int{2, 2}, []float64{v[0], -2, v[1], -2}},
		"f16_scalar":  {sdk.Float16, nil, []float64{1.5}},
		"bool_scalar": {sdk.Bool, nil, []float64{1}},
	}
	for i := range 6 {
		w := want["c128"]
		w.values = append(w.values, v[i], v[i]+1)
		want["c128"] = w
	}
	z, err := OpenNPZ(filepath.Join("testdata", "numpy_reference.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for name, w := range want {
		d, shape, err := z.Info(name)
		if err != nil || d != w.dtype || !sameShape(shape, w.shape) {
			t.Errorf("Info(%s) = %s %v %v, want %s %v", name, d, shape, err, w.dtype, w.shape)
		}
		got, err := z.Read(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.DType() != w.dtype || !sameShape(got.Shape(), w.shape) {
			t.Errorf("%s: %v, want %s%s", name, got, w.dtype, sdk.ShapeString(w.shape))
			continue
		}
		for i, x := range got.AsFloat64() {
			if x != w.values[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, x, w.values[i])
			}
		}
	}
	// A Fortran-ordered complex array would need its pairs kept together
	// through the transpose: refused by name rather than misread.
	if _, err := parseHeaderDict("{'descr': '<c16', 'fortran_order': True, 'shape': (2, 3), }"); err == nil ||
		!strings.Contains(err.Error(), "Fortran-ordered complex") {
		t.Errorf("Fortran complex: err = %v", err)
	}
}

func TestTransposeAll(t *testing.T) {
	// A [2,3,4] array read as its reversed-shape memory, transposed back.
	src := make([]float64, 24)
	for i := range src {
		src[i] = float64(i)
	}
	r := transposeAll(sdk.FromFloat64(src, 4, 3, 2))
	if !sameShape(r.Shape(), []int{2, 3, 4}) {
		t.Fatalf("shape %v", r.Shape())
	}
	got := r.Float64s()
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				// r[i,j,k] = src[k,j,i] = k*6 + j*2 + i
				if w := float64(k*6 + j*2 + i); got[(i*3+j)*4+k] != w {
					t.Fatalf("[%d,%d,%d] = %v, want %v", i, j, k, got[(i*3+j)*4+k], w)
				}
			}
		}
	}
}

func TestReadRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npz")
	rng := rand.New(rand.NewPCG(3, 3))
	if err := WriteNPZ(good, map[string]*sdk.Tensor{"a": randomTensor(rng, sdk.Float32, 64), "b": randomTensor(rng, sdk.Int64, 3)}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Flip one data byte of entry "a": only the CRC can tell.
	flipped := append([]byte(nil), raw...)
	i := bytes.Index(flipped, []byte("'shape': (64,), }"))
	i += bytes.IndexByte(flipped[i:], '\n') + 10
	flipped[i] ^= 0xff
	// An npy whose header promises more data than the entry holds.
	var lying bytes.Buffer
	h, _ := npyHeader(sdk.Float32, []int{100})
	lying.Write(h)
	lying.Write(make([]byte, 16))
	lyingNPY := write("lying.npy", lying.Bytes())

	for _, tc := range []struct {
		name, path, entry string
		want              []string
	}{
		{"truncated zip", write("trunc.npz", raw[:len(raw)/2]), "a", []string{"trunc.npz", "not a readable .npz"}},
		{"not a zip", write("text.npz", []byte("hello")), "a", []string{"text.npz", "not a readable"}},
		{"crc", write("flipped.npz", flipped), "a", []string{"flipped.npz", `entry "a"`, "checksum"}},
		{"missing entry", good, "zzz", []string{"good.npz", `no entry "zzz"`, "a, b"}},
		{"numpy big-endian", filepath.Join("testdata", "numpy_bigendian.npy"), "", []string{"numpy_bigendian.npy", "big-endian"}},
		{"numpy uint16", filepath.Join("testdata", "numpy_uint16.npy"), "", []string{"numpy_uint16.npy", `descr "<u2" is not supported`}},
		{"size mismatch", lyingNPY, "", []string{"lying.npy", "needs 400 data bytes", "16 are there"}},
		{"not npy", write("plain.npy", []byte("just text, no magic")), "", []string{"plain.npy", "bad magic"}},
		{"short npy", write("short.npy", []byte("\x93NUM")), "", []string{"short.npy", "truncated"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if strings.HasSuffix(tc.path, ".npz") {
				_, err = ReadNPZEntry(tc.path, tc.entry)
			} else {
				_, err = ReadNPY(tc.path)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenRejectsForgedSizes(t *testing.T) {
	h, _ := npyHeader(sdk.Float32, []int{1 << 38}) // a 1 TiB array
	for _, tc := range []struct {
		name   string
		method uint16
		comp   uint64
		want   string
	}{
		{"stored", zip.Store, uint64(len(h)), "stored entry claims"},
		{"deflated", zip.Deflate, uint64(len(h)), "more than deflate can expand"},
		{"method", 99, uint64(len(h)), "zip method 99"},
		{"past the file", zip.Store, 1 << 40, "exceeds the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "forged.npz")
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, err := zw.CreateRaw(&zip.FileHeader{Name: "big.npy", Method: tc.method,
				CompressedSize64: tc.comp, UncompressedSize64: 1<<40 + uint64(len(h))})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(h)
			zw.Close()
			os.WriteFile(path, buf.Bytes(), 0o644)
			_, err = ReadNPZEntry(path, "big")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `entry "big"`) {
				t.Errorf("got %v, want an error naming the entry and containing %q", err, tc.want)
			}
		})
	}
}

func TestParseHeaderDict(t *testing.T) {
	for _, tc := range []struct {
		dict  string
		dtype sdk.DType
		shape []int
		err   string
	}{
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", sdk.Float32, []int{3, 4}, ""},
		{`{"shape": (), "descr": "|b1", "fortran_order": False}`, sdk.Bool, []int{}, ""},
		{"{'descr': '=i8', 'fortran_order': False, 'shape': (2L, 5L)}", sdk.Int64, []int{2, 5}, ""},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }   \n", sdk.Float32, []int{7}, ""},
		{"{'descr': '<f4', 'fortran_order': False}", "", nil, `"shape" is missing`},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "", nil, `unknown key "extra"`},
		{"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", "", nil, "structured"},
		{"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,)}", "", nil, "True or False"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}", "", nil, "expected a dimension"},
		{"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "", nil, "appears twice"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (3,)}", "", nil, "not supported"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (1125899906842624, 1125899906842624)}", "", nil, "too large"},
		{"['descr']", "", nil, "not a dict"},
	} {
		info, err := parseHeaderDict(tc.dict)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %v, want an error containing %q", tc.dict, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.dict, err)
			continue
		}
		if info.dtype != tc.dtype || !sameShape(info.shape, tc.shape) {
			t.Errorf("%s: got %s %v", tc.dict, info.dtype, info.shape)
		}
	}
}

func TestStreamingWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.npz")
	w, err := CreateNPZ(path, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	// An entry streamed in batches, as a forward pass produces it.
	big := make([]float32, 10*7)
	for i := range big {
		big[i] = float32(i) / 3
	}
	ew, err := w.Begin("hook_post", sdk.Float32, []int{10, 7})
	if err != nil {
		t.Fatal(err)
	}
	for b := range 10 {
		row := sdk.FromFloat32(big[b*7:(b+1)*7], 7)
		if _, err := ew.Write(row.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Add("logits", sdk.FromFloat32([]float32{1, 2}, 1, 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("the file is visible before Close")
	}
	if err := w.Add("logits", sdk.FromFloat32([]float32{1}, 1)); err == nil || !strings.Contains(err.Error(), "written twice") {
		t.Errorf("duplicate entry: %v", err)
	}
	if err := w.Close(); err == nil {
		t.Error("Close after an error succeeded")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a failed writer left its file")
	}

	// Without the error, the same writes give a readable file.
	w, _ = CreateNPZ(path, WriteOptions{})
	ew, _ = w.Begin("hook_post", sdk.Float32, []int{10, 7})
	ew.Write(sdk.FromFloat32(big, 70).Bytes())
	w.Add("logits", sdk.FromFloat32([]float32{1, 2}, 1, 2))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadNPZEntry(path, "hook_post")
	if err != nil {
		t.Fatal(err)
	}
	if !sameTensor(got, sdk.FromFloat32(big, 10, 7)) {
		t.Error("streamed entry differs")
	}
}

func TestStreamingWriterByteCounts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bytes int
		want  string
	}{
		{"short", 8, "8 of 12 data bytes"},
		{"long", 16, "more than its 12 data bytes"},
	} {
		path := filepath.Join(t.TempDir(), "x.npz")
		w, _ := CreateNPZ(path, WriteOptions{})
		ew, _ := w.Begin("x", sdk.Float32, []int{3})
		ew.Write(make([]byte, tc.bytes))
		err := w.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `entry "x"`) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	for _, bad := range []string{"", "../x", "/abs", "a//b", `a\b`, "a/./b"} {
		w, _ := CreateNPZ(filepath.Join(t.TempDir(), "y.npz"), WriteOptions{})
		if err := w.Add(bad, sdk.NewTensor(sdk.Float32, 1)); err == nil {
			t.Errorf("name %q accepted", bad)
		}
		w.Abort()
	}
}

func TestDeterministicBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	arrays := allArrays(rng)
	a, b := filepath.Join(t.TempDir(), "a.npz"), filepath.Join(t.TempDir(), "b.npz")
	WriteNPZ(a, arrays, WriteOptions{})
	WriteNPZ(b, arrays, WriteOptions{})
	ra, _ := os.ReadFile(a)
	rb, _ := os.ReadFile(b)
	if len(ra) == 0 || !bytes.Equal(ra, rb) {
		t.Error("the same arrays gave different files")
	}
}

// loaderPy loads an .npz with numpy and prints every array as JSON.
const loaderPy = `
import json, sys
import numpy as np
z = np.load(sys.argv[1])
out = {}
for k in z.files:
    a = z[k]
    out[k] = {"dtype": a.dtype.str, "shape": list(a.shape),
              "values": [None if not np.isfinite(v) else float(v) for v in a.astype(np.float64).ravel()]}
print(json.dumps(out))
`

func TestNumpyReadsGoWritten(t *testing.T) {
	py := pythonWithNumpy(t)
	rng := rand.New(rand.NewPCG(5, 5))
	arrays := allArrays(rng)
	arrays["inf"] = sdk.FromFloat32([]float32{float32(math.Inf(-1)), 1}, 2)
	for _, opt := range []WriteOptions{{}, {Compress: true}} {
		path := filepath.Join(t.TempDir(), "go.npz")
		if err := WriteNPZ(path, arrays, opt); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, "-c", loaderPy, path).CombinedOutput()
		if err != nil {
			t.Fatalf("numpy.load: %v\n%s", err, out)
		}
		var got map[string]struct {
			DType  string     `json:"dtype"`
			Shape  []int      `json:"shape"`
			Values []*float64 `json:"values"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(got) != len(arrays) {
			t.Errorf("numpy read %d arrays, want %d", len(got), len(arrays))
		}
		for name, want := range arrays {
			g, ok := got[name]
			if !ok {
				t.Errorf("numpy did not read %s", name)
				continue
			}
			if g.DType != descrs[want.DType()] || !sameShape(g.Shape, want.Shape()) {
				t.Errorf("%s: numpy read %s%v, want %v", name, g.DType, g.Shape, want)
				continue
			}
			for i, w := range want.AsFloat64() {
				if g.Values[i] == nil && !math.IsInf(w, 0) || g.Values[i] != nil && *g.Values[i] != w {
					t.Errorf("%s[%d]: numpy read %v, want %v", name, i, g.Values[i], w)
				}
			}
		}
	}
}
