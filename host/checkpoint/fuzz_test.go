package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the reader: it must never panic, and a
// file it accepts must survive Encode and Decode unchanged. The seed corpus is
// the committed fixtures; `go test -fuzz FuzzDecode` explores from there.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.safetensors"))
	more, _ := filepath.Glob(filepath.Join(goldenDir, "*", "weights.safetensors"))
	for _, p := range append(seeds, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(fileWith(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode("fuzz", data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		again, err := Decode("again", buf.Bytes())
		if err != nil {
			t.Fatalf("decoding a re-encoded file: %v", err)
		}
		if len(again.Tensors) != len(file.Tensors) || len(again.Metadata) != len(file.Metadata) {
			t.Fatal("re-encoded file differs in size")
		}
		for name, want := range file.Tensors {
			if got := again.Tensors[name]; got == nil || !sameTensor(got, want) {
				t.Fatalf("%s differs after re-encoding: %v vs %v", name, got, want)
			}
		}
	})
}
