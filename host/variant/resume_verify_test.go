package variant

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
)

// flipByte changes one byte in the middle of path, keeping its size.
func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-len(b)/3] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestResumeRefusesChangedState flips one byte in each file a resumed or
// extended run starts from: the run is refused, naming the file and both
// hashes, and no checkpoint after the resume point is written.
func TestResumeRefusesChangedState(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	cases := []struct {
		name   string
		stop   int    // 0: train to completion, then extend
		file   string // under checkpoints/
		extend bool
	}{
		{"extend from final checkpoint", 0, CheckpointName(20), true},
		{"extend from its optimizer state", 0, OptimizerName(20), true},
		{"resume from a resume file", 15, ResumeName(15), false},
		{"resume from a checkpoint's optimizer state", 10, OptimizerName(10), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			results := t.TempDir()
			ts, err := ResolveTraining(fam, "", 20, "0:20:10")
			if err != nil {
				t.Fatal(err)
			}
			v, err := Create(context.Background(), results, fam, modadd.New(), tinyParams, "test")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			_, err = v.Train(ctx, TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test", Progress: func(p Progress) {
				if c.stop > 0 && p.Epoch == c.stop {
					cancel()
				}
			}})
			cancel()
			if c.stop > 0 && !errors.Is(err, ErrInterrupted) {
				t.Fatalf("stop at %d: %v", c.stop, err)
			} else if c.stop == 0 && err != nil {
				t.Fatal(err)
			}
			m, err := v.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			if m.ResumeFiles == nil {
				t.Fatal("metadata.json records no resume files")
			}
			path := filepath.Join(v.CheckpointsDir(), c.file)
			before, err := checkpoint.FileSHA256(path)
			if err != nil {
				t.Fatal(err)
			}
			flipByte(t, path)
			after, _ := checkpoint.FileSHA256(path)
			opts := TrainOptions{Family: modadd.New(), TDWVersion: "test", Resume: !c.extend}
			if c.extend {
				opts.ExtendTo, opts.Schedule = 40, "0:40:10"
			}
			_, err = v.Train(context.Background(), opts)
			if err == nil {
				t.Fatal("resumed from a changed file")
			}
			for _, want := range []string{path, before, after, "--force"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if _, err := os.Stat(v.CheckpointPath(30)); err == nil {
				t.Error("a checkpoint after the resume point was written")
			}
		})
	}
}
