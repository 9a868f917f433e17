package model

import (
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// BenchmarkCudaCalibration times the calibration model at p=113 on the
// device (bench/gpu/run.sh compares it with PyTorch on the same GPU):
// epoch, one full-batch AdamW epoch at train fraction 0.3; forward, all p²
// inputs keeping every hook at the last position plus hook_pattern at
// every position, in the default chunks (fresh cache / reused cache);
// forward_logits, the same inputs for the logits only in one chunk;
// train_loop_epoch, an epoch as `tdw-host train` runs it: the test set's
// loss and accuracy, then the step.
func BenchmarkCudaCalibration(b *testing.B) {
	cu, _ := cudaForTest(b)
	const p = 113
	b.Run("epoch", func(b *testing.B) { benchEpoch(b, p, cu) })
	b.Run("forward", func(b *testing.B) { benchForward(b, p, cu) })
	b.Run("forward_logits", func(b *testing.B) {
		m, err := New(calibrationConfig(p))
		if err != nil {
			b.Fatal(err)
		}
		m.Backend = cu
		ds := calibrationData(p)
		opts := ForwardOptions{Logits: PosLast, BatchSize: p * p}
		for i := 0; i < b.N; i++ {
			if _, err := m.Forward(ds.Tokens, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("train_loop_epoch", func(b *testing.B) {
		m, err := New(calibrationConfig(p))
		if err != nil {
			b.Fatal(err)
		}
		m.Backend = cu
		all := calibrationData(p)
		k := p * p * 3 / 10
		train := firstRows(all, k)
		test := lastRows(all, p*p-k)
		tr, err := NewTrainer(m, calibrationTrain)
		if err != nil {
			b.Fatal(err)
		}
		ev := NewEvaluator(m.Config)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, _, err := ev.Evaluate(m, test, PosLast); err != nil {
				b.Fatal(err)
			}
			if _, err := tr.Epoch(train); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// lastRows returns the last k rows of ds.
func lastRows(ds sdk.Dataset, k int) sdk.Dataset {
	B, n := ds.Tokens.Shape()[0], ds.Tokens.Shape()[1]
	return sdk.Dataset{
		Tokens: sdk.FromInt64(ds.Tokens.Int64s()[(B-k)*n:], k, n),
		Labels: sdk.FromInt64(ds.Labels.Int64s()[B-k:], k),
	}
}
