package wire

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestWireGolden pins the bytes of a tensor on the wire: a header and its
// chunks, marshaled. A change here is a protocol change (docs/protocol.md).
func TestWireGolden(t *testing.T) {
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(i)
	}
	var got strings.Builder
	send := func(f *tdwv1.TensorFrame) error {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(f)
		if err != nil {
			return err
		}
		got.WriteString(hex.EncodeToString(b) + "\n")
		return nil
	}
	if err := Send(send, &Tensor{Group: "hooks", Name: "blocks.0.mlp.hook_post", DType: "float32", Shape: []int{2, 3}, Data: data}, nil); err != nil {
		t.Fatal(err)
	}
	if err := Send(send, &Tensor{Group: "hooks", Name: "h", DType: "int64", Shape: []int{3}, Data: data}, &tdwv1.SharedRef{Region: 7, Offset: 4096}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "frames.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got.String())) {
		t.Fatalf("wire bytes changed:\n got %s\nwant %s", got.String(), want)
	}
}
