package wire

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
)

func header(dtype string, nbytes int64, shape ...int64) *tdwv1.TensorFrame {
	return &tdwv1.TensorFrame{Part: &tdwv1.TensorFrame_Header{Header: &tdwv1.TensorHeader{Group: "g", Name: "t", Dtype: dtype, Shape: shape, Nbytes: nbytes}}}
}

func chunk(n int) *tdwv1.TensorFrame {
	return &tdwv1.TensorFrame{Part: &tdwv1.TensorFrame_Chunk{Chunk: make([]byte, n)}}
}

func TestSendAssembleRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, ChunkSize - 1, ChunkSize, 3*ChunkSize + 17} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		var frames []*tdwv1.TensorFrame
		send := func(f *tdwv1.TensorFrame) error { frames = append(frames, f); return nil }
		if err := Send(send, &Tensor{Group: "g", Name: "x", DType: "uint8", Shape: []int{n}, Data: data}, nil); err != nil {
			t.Fatal(err)
		}
		if want := 1 + (n+ChunkSize-1)/ChunkSize; len(frames) != want {
			t.Fatalf("%d bytes: %d frames, want %d", n, len(frames), want)
		}
		var a Assembler
		for _, f := range frames {
			if len(f.GetChunk()) > ChunkSize {
				t.Fatalf("chunk of %d bytes", len(f.GetChunk()))
			}
			if err := a.Add(f); err != nil {
				t.Fatal(err)
			}
		}
		got, err := a.Finish()
		if err != nil || len(got) != 1 || !bytes.Equal(got[0].Data, data) {
			t.Fatalf("%d bytes: round trip failed: %v", n, err)
		}
	}
}

func TestAssemblerRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames []*tdwv1.TensorFrame
		want   string
	}{
		{"chunk first", []*tdwv1.TensorFrame{chunk(4)}, "before any tensor header"},
		{"unknown dtype", []*tdwv1.TensorFrame{header("complex64", 8, 1)}, `unknown dtype "complex64"`},
		{"nbytes lies", []*tdwv1.TensorFrame{header("float32", 40, 3, 4)}, "needs 48 bytes, header says 40"},
		{"negative dim", []*tdwv1.TensorFrame{header("float32", 0, -1)}, "negative dimension"},
		{"overflow", []*tdwv1.TensorFrame{header("float64", 0, 1<<40, 1<<40)}, "overflows"},
		{"too many bytes", []*tdwv1.TensorFrame{header("uint8", 2, 2), chunk(3)}, "more bytes than the 2"},
		{"short", []*tdwv1.TensorFrame{header("uint8", 4, 4), chunk(3)}, "after 3 of 4 bytes"},
		{"short before next", []*tdwv1.TensorFrame{header("uint8", 4, 4), header("uint8", 1, 1)}, "after 0 of 4 bytes"},
		{"empty frame", []*tdwv1.TensorFrame{{}}, "empty tensor frame"},
		{"shared not negotiated", []*tdwv1.TensorFrame{{Part: &tdwv1.TensorFrame_Header{Header: &tdwv1.TensorHeader{Name: "s", Dtype: "uint8", Shape: []int64{1}, Nbytes: 1, Shared: &tdwv1.SharedRef{}}}}}, "none was negotiated"},
		{"no name", []*tdwv1.TensorFrame{{Part: &tdwv1.TensorFrame_Header{Header: &tdwv1.TensorHeader{Group: "g", Dtype: "uint8"}}}}, "has no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a Assembler
			var err error
			for _, f := range tc.frames {
				if err = a.Add(f); err != nil {
					break
				}
			}
			if err == nil {
				_, err = a.Finish()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
