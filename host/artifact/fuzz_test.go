package artifact

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// FuzzDecodeNPY feeds arbitrary bytes to the .npy reader: it must never panic
// or allocate beyond what the input's size allows, and an array it accepts
// must survive EncodeNPY and DecodeNPY unchanged. The seed corpus is the
// committed numpy-written fixtures; CI runs only the seeds.
func FuzzDecodeNPY(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var buf bytes.Buffer
	EncodeNPY(&buf, sdk.FromFloat64([]float64{1.5}))
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeNPY(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if len(a.Bytes()) > len(data) {
			t.Fatalf("decoded %d bytes from a %d-byte input", len(a.Bytes()), len(data))
		}
		var out bytes.Buffer
		if err := EncodeNPY(&out, a); err != nil {
			t.Fatalf("re-encoding an accepted array: %v", err)
		}
		b, err := DecodeNPY(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("decoding a re-encoded array: %v", err)
		}
		if !sameTensor(a, b) {
			t.Fatalf("re-encoded array differs: %v vs %v", a, b)
		}
	})
}
