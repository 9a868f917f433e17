package variant

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func sampleMetadata() *Metadata {
	m := newMetadata("fam", "1.0.0", "fam_p5", sdk.Params{"prime": int64(5), "seed": int64(1), "train_fraction": 0.5}, "test")
	m.Status = StatusComplete
	m.NumEpochs, m.EpochsCompleted, m.ResumeEpoch = 2, 2, 2
	m.TrainLosses = []float64{2.5, 1.25}
	m.TestLosses = []float64{2.6, 2.0}
	m.TestAccuracies = []float64{0.1, 0.5}
	m.CheckpointEpochs = []int{0, 2}
	m.Checkpoints = []CheckpointRecord{
		{Epoch: 0, File: "checkpoints/checkpoint_epoch_00000.safetensors", SHA256: "ab"},
		{Epoch: 2, File: "checkpoints/checkpoint_epoch_00002.safetensors", SHA256: "cd", TestAccuracy: 1},
	}
	m.TrainIndices, m.TestIndices = []int{3, 1}, []int{0, 2, 4}
	return m
}

func TestMetadataRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), MetadataFile)
	want := sampleMetadata()
	if err := WriteMetadata(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMetadata(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if got.Seeds["seed"] != 1 || len(got.Seeds) != 1 {
		t.Errorf("seeds %v", got.Seeds)
	}
	if e := got.FirstEpochAbove(0.99); e != 2 {
		t.Errorf("FirstEpochAbove = %d, want 2 (from the final checkpoint)", e)
	}
}

func TestMetadataBad(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		raw  string // used instead of the sample when set
		want string
	}{
		{name: "truncated", raw: `{"format_version": 1, "family": "f`, want: "unexpected EOF"},
		{name: "not json", raw: `hello`, want: "invalid character"},
		{name: "unknown field", edit: func(m map[string]any) { m["epochs"] = 3 }, want: `unknown field "epochs"`},
		{name: "wrong type", edit: func(m map[string]any) { m["num_epochs"] = "two" }, want: "num_epochs"},
		{name: "format", edit: func(m map[string]any) { m["format_version"] = 9 }, want: "format_version 9"},
		{name: "status", edit: func(m map[string]any) { m["status"] = "done" }, want: `status "done"`},
		{name: "losses short", edit: func(m map[string]any) { m["train_losses"] = []float64{1} }, want: "train_losses has 1 entries"},
		{name: "test losses long", edit: func(m map[string]any) { m["test_losses"] = []float64{1, 2, 3} }, want: "test_losses has 3"},
		{name: "checkpoint mismatch", edit: func(m map[string]any) { m["checkpoint_epochs"] = []int{0, 1} }, want: "checkpoints[1].epoch 2 != checkpoint_epochs[1] 1"},
		{name: "checkpoint file", edit: func(m map[string]any) {
			m["checkpoints"].([]any)[1].(map[string]any)["file"] = "../../etc/passwd"
		}, want: `checkpoints[1].file "../../etc/passwd"`},
		{name: "complete but short", edit: func(m map[string]any) { m["num_epochs"] = 5 }, want: "status is complete but epochs_completed 2 != num_epochs 5"},
		{name: "no family", edit: func(m map[string]any) { delete(m, "family") }, want: "family is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), MetadataFile)
			data := []byte(tc.raw)
			if tc.raw == "" {
				b, _ := json.Marshal(sampleMetadata())
				var m map[string]any
				json.Unmarshal(b, &m)
				tc.edit(m)
				data, _ = json.Marshal(m)
			}
			os.WriteFile(path, data, 0o644)
			_, err := ReadMetadata(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the file and %q", err, tc.want)
			}
		})
	}
}
