package variant

import "testing"

func TestParseCheckpointName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		epoch int
		ok    bool
	}{
		{"checkpoint_epoch_00000.safetensors", 0, true},
		{"checkpoint_epoch_00650.safetensors", 650, true},
		{"checkpoint_epoch_25000.safetensors", 25000, true},
		{"checkpoint_epoch_123456.safetensors", 123456, true},
		{"checkpoint_epoch_650.safetensors", 0, false},          // not padded
		{"checkpoint_epoch_012345.safetensors", 0, false},       // over-padded twin of 12345
		{"checkpoint_epoch_00650.safetensors.tmp", 0, false},    // temp file
		{".checkpoint_epoch_00650.safetensors.tmp-1", 0, false}, // atomicfile temp
		{"optimizer_epoch_00650.safetensors", 0, false},
		{"resume_epoch_00650.safetensors", 0, false},
		{"checkpoint_epoch_-0001.safetensors", 0, false},
	} {
		e, ok := ParseCheckpointName(tc.name)
		if ok != tc.ok || e != tc.epoch {
			t.Errorf("%s: got %d %v, want %d %v", tc.name, e, ok, tc.epoch, tc.ok)
		}
		if tc.ok && CheckpointName(tc.epoch) != tc.name {
			t.Errorf("CheckpointName(%d) = %s", tc.epoch, CheckpointName(tc.epoch))
		}
	}
}
