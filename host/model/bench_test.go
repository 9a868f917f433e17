package model

import (
	"fmt"
	"testing"
)

// benchBackends are the backends every calibration benchmark runs on.
var benchBackends = []struct {
	name string
	b    Backend
}{{"cpu", CPU()}, {"gorgonia", Gorgonia()}}

// BenchmarkCalibrationForward runs the forward over all p² inputs keeping
// every hook at the last position plus hook_pattern at every position (the
// make-bench comparison workload at p=113), over a grid of primes, on each
// backend.
func BenchmarkCalibrationForward(b *testing.B) {
	for _, p := range []int{31, 59, 113} {
		for _, be := range benchBackends {
			b.Run(fmt.Sprintf("p=%d/%s", p, be.name), func(b *testing.B) { benchForward(b, p, be.b) })
		}
	}
}

func benchForward(b *testing.B, p int, be Backend) {
	m, err := New(calibrationConfig(p))
	if err != nil {
		b.Fatal(err)
	}
	m.Backend = be
	ds := calibrationData(p)
	opts := ForwardOptions{Hooks: []HookRequest{{"*", PosLast}, {"blocks.*.attn.hook_pattern", PosAll}}, Logits: PosLast}
	b.Run("fresh", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := m.Forward(ds.Tokens, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	// As an analysis loop over checkpoints runs it: the previous
	// cache's tensors are reused.
	b.Run("reuse", func(b *testing.B) {
		var cache *Cache
		for i := 0; i < b.N; i++ {
			if cache, err = m.ForwardInto(cache, ds.Tokens, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCalibrationEpoch runs one full-batch AdamW epoch at train
// fraction 0.3 over a grid of primes, on each backend.
func BenchmarkCalibrationEpoch(b *testing.B) {
	for _, p := range []int{31, 59, 113} {
		for _, be := range benchBackends {
			b.Run(fmt.Sprintf("p=%d/%s", p, be.name), func(b *testing.B) { benchEpoch(b, p, be.b) })
		}
	}
}

func benchEpoch(b *testing.B, p int, be Backend) {
	m, err := New(calibrationConfig(p))
	if err != nil {
		b.Fatal(err)
	}
	m.Backend = be
	ds := firstRows(calibrationData(p), p*p*3/10)
	tr, err := NewTrainer(m, calibrationTrain)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Epoch(ds); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate is one loss-and-accuracy evaluation over all p² inputs
// at the last position with a reused Evaluator: what landscape_flatness asks
// the host for once per direction.
func BenchmarkEvaluate(b *testing.B) {
	for _, p := range []int{31, 59, 113} {
		for _, be := range benchBackends {
			b.Run(fmt.Sprintf("p=%d/%s", p, be.name), func(b *testing.B) {
				m, err := New(calibrationConfig(p))
				if err != nil {
					b.Fatal(err)
				}
				m.Backend = be.b
				ds := calibrationData(p)
				ev := NewEvaluator(m.Config)
				for i := 0; i < b.N; i++ {
					if _, _, err := ev.Evaluate(m, ds, PosLast); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkGradient is one gradient of the mean loss over half of the p²
// inputs (the quick preset's train split) for the five weights
// gradient_site asks the host for once per checkpoint, with a reused
// Evaluator.
func BenchmarkGradient(b *testing.B) {
	for _, p := range []int{59, 113} {
		for _, be := range benchBackends {
			b.Run(fmt.Sprintf("p=%d/%s", p, be.name), func(b *testing.B) {
				m, err := New(calibrationConfig(p))
				if err != nil {
					b.Fatal(err)
				}
				m.Backend = be.b
				ds := firstRows(calibrationData(p), p*p/2)
				ev := NewEvaluator(m.Config)
				names := []string{"embed.W_E", "blocks.0.attn.W_Q", "blocks.0.attn.W_K", "blocks.0.attn.W_V", "blocks.0.mlp.W_in"}
				for i := 0; i < b.N; i++ {
					if _, _, err := ev.Gradient(m, ds, PosLast, names); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
