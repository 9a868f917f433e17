package rpc

import (
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// replay returns a Recv that yields msgs, then end (io.EOF for a clean end).
func replay[M any](msgs []M, end error) func() (M, error) {
	return func() (M, error) {
		var zero M
		if len(msgs) == 0 {
			return zero, end
		}
		m := msgs[0]
		msgs = msgs[1:]
		return m, nil
	}
}

// framesOf streams ts as sendAll does and returns the frames.
func framesOf(t *testing.T, ts []named) []*tdwv1.TensorFrame {
	t.Helper()
	var out []*tdwv1.TensorFrame
	if err := sendAll(func(f *tdwv1.TensorFrame) error { out = append(out, f); return nil }, ts, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRecvTensorsRoundTrip(t *testing.T) {
	big := sdk.NewTensor(sdk.Float32, 600, 500) // > 1 MiB: several chunks
	for i := range big.Float32s() {
		big.Float32s()[i] = float32(i)
	}
	in := []named{{"arrays", "big", big}, {"arrays", "s", sdk.Scalar(3)}}
	ts, err := readReply("reply", bare(replay(framesOf(t, in), io.EOF)), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := groupTensors(ts, false, "arrays")
	if err != nil {
		t.Fatal(err)
	}
	if string(g["arrays"]["big"].Bytes()) != string(big.Bytes()) || g["arrays"]["s"].Float64s()[0] != 3 {
		t.Fatalf("tensors changed in transit: %v", g["arrays"])
	}
}

// TestRecvTensorsInterleaved: messages other takes (AnalyzeAcross's
// StackedInfo) sit between tensors without breaking them.
func TestRecvTensorsInterleaved(t *testing.T) {
	var msgs []*tdwv1.AcrossFrame
	var sources []string
	for _, src := range []string{"a", "b/summary"} {
		msgs = append(msgs, &tdwv1.AcrossFrame{Kind: &tdwv1.AcrossFrame_Stacked{Stacked: &tdwv1.StackedInfo{Source: src}}})
		for _, f := range framesOf(t, []named{{src, "x", sdk.FromInt64([]int64{1, 2})}}) {
			msgs = append(msgs, &tdwv1.AcrossFrame{Kind: &tdwv1.AcrossFrame_Tensor{Tensor: f}})
		}
	}
	other := func(m *tdwv1.AcrossFrame) (bool, error) {
		if st := m.GetStacked(); st != nil {
			sources = append(sources, st.GetSource())
			return true, nil
		}
		return false, nil
	}
	ts, err := readRequest("AnalyzeAcross", replay(msgs, io.EOF), other, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Key() != "a/x" || ts[1].Key() != "b/summary/x" || strings.Join(sources, ",") != "a,b/summary" {
		t.Fatalf("got %d tensors, sources %v", len(ts), sources)
	}
}

// TestRecvTensorsErrors: what goes wrong is told apart on each side.
func TestRecvTensorsErrors(t *testing.T) {
	chunkFirst := []*tdwv1.TensorFrame{{Part: &tdwv1.TensorFrame_Chunk{Chunk: []byte{1}}}}
	_, err := readRequest("Analyze", bare(replay(chunkFirst, io.EOF)), nil, nil)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "Analyze: tensor bytes arrived before any tensor header") {
		t.Errorf("malformed request: %v", err)
	}
	_, err = readReply("reply", bare(replay(chunkFirst, io.EOF)), nil, 0)
	if err == nil || !strings.HasPrefix(err.Error(), "reply: tensor bytes arrived") {
		t.Errorf("malformed reply: %v", err)
	}
	short := framesOf(t, []named{{"arrays", "a", sdk.NewTensor(sdk.Float64, 3)}})
	short[1] = &tdwv1.TensorFrame{Part: &tdwv1.TensorFrame_Chunk{Chunk: make([]byte, 8)}}
	_, err = readReply("reply", bare(replay(short, io.EOF)), nil, 0)
	if err == nil || !strings.Contains(err.Error(), "reply: tensor arrays/a: stream ended after 8 of 24 bytes") {
		t.Errorf("short reply: %v", err)
	}
	broken := status.Error(codes.Unavailable, "connection lost")
	_, err = readRequest("Analyze", bare(replay(framesOf(t, []named{{"hooks", "h", sdk.Scalar(1)}}), broken)), nil, nil)
	if !errors.Is(err, broken) {
		t.Errorf("broken stream: %v, want the stream's own error", err)
	}
	refuse := func(*tdwv1.AcrossFrame) (bool, error) { return true, errors.New(`input "a" sent twice`) }
	_, err = readRequest("AnalyzeAcross", replay([]*tdwv1.AcrossFrame{{}}, io.EOF), refuse, nil)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), `AnalyzeAcross: input "a" sent twice`) {
		t.Errorf("refused message: %v", err)
	}
}
