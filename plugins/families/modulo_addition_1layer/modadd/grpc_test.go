package modadd

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestThroughPlugin runs the family through the real gRPC plugin path and
// checks that what the host receives equals what the family computes.
func TestThroughPlugin(t *testing.T) {
	ctx := context.Background()
	local := New()
	remote := sdktest.Family(t, local)
	if info := remote.Info(); info != local.Info() {
		t.Errorf("Info over gRPC %+v, want %+v", info, local.Info())
	}
	params := sdk.Params{"prime": int64(13), "seed": int64(3), "data_seed": int64(4), "train_fraction": 0.4}

	mc, err := remote.ModelConfig(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := local.ModelConfig(ctx, params); mc != want {
		t.Errorf("ModelConfig over gRPC %+v, want %+v", mc, want)
	}
	tc, err := remote.TrainingConfig(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := local.TrainingConfig(ctx, params); !reflect.DeepEqual(tc, want) {
		t.Errorf("TrainingConfig over gRPC %+v, want %+v", tc, want)
	}
	td, err := remote.TrainingData(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := local.TrainingData(ctx, params)
	if !reflect.DeepEqual(td.TrainIndices, want.TrainIndices) || !reflect.DeepEqual(td.TestIndices, want.TestIndices) {
		t.Error("split indices differ over gRPC")
	}
	for _, c := range []struct {
		name      string
		got, want *sdk.Tensor
	}{
		{"train tokens", td.Train.Tokens, want.Train.Tokens}, {"train labels", td.Train.Labels, want.Train.Labels},
		{"test tokens", td.Test.Tokens, want.Test.Tokens}, {"test labels", td.Test.Labels, want.Test.Labels},
	} {
		sameTensor(t, c.name, c.got, c.want)
	}
	probe, err := remote.Probe(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	wp, _ := local.Probe(ctx, params)
	sameTensor(t, "probe tokens", probe.Tokens, wp.Tokens)
	sameTensor(t, "probe labels", probe.Labels, wp.Labels)
	ac, err := remote.AnalysisContext(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	wc, _ := local.AnalysisContext(ctx, params)
	if len(ac) != len(wc) {
		t.Errorf("context has %d entries over gRPC, want %d", len(ac), len(wc))
	}
	for k, w := range wc {
		sameTensor(t, "context "+k, ac[k], w)
	}

	// A refusal reaches the host with its reason.
	_, err = remote.ModelConfig(ctx, sdk.Params{"prime": int64(15)})
	if err == nil || !strings.Contains(err.Error(), `"prime" is 15, which is not prime`) {
		t.Errorf("non-prime over gRPC: %v", err)
	}
}

func sameTensor(t *testing.T, name string, got, want *sdk.Tensor) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing", name)
		return
	}
	if got.DType() != want.DType() || !reflect.DeepEqual(got.Shape(), want.Shape()) || !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("%s: got %v, want %v (or different bytes)", name, got, want)
	}
}
