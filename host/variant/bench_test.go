package variant

import (
	"context"
	"fmt"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// BenchmarkTrainEpoch times what Train does per epoch on the modular-addition
// family: one full-batch step on the training split plus the test-split
// evaluation recorded in metadata.json. It reports the share of the epoch
// spent on that evaluation, the cost of recording test loss every epoch.
func BenchmarkTrainEpoch(b *testing.B) {
	for _, tc := range []struct {
		prime int
		frac  float64
	}{{17, 0.5}, {59, 0.5}, {113, 0.3}, {113, 0.5}} {
		b.Run(fmt.Sprintf("p%d_frac%v", tc.prime, tc.frac), func(b *testing.B) {
			ctx := context.Background()
			fam := modadd.New()
			params := sdk.Params{"prime": tc.prime, "train_fraction": tc.frac}
			cfg, err := fam.ModelConfig(ctx, params)
			if err != nil {
				b.Fatal(err)
			}
			data, err := fam.TrainingData(ctx, params)
			if err != nil {
				b.Fatal(err)
			}
			ts := &TrainingSettings{TrainingConfig: modadd.TrainingConfig()}
			tr, err := newModelTrainer(cfg, ts, data, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			var evalNs, stepNs int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := nanotime()
				if _, _, err := tr.Evaluate(data.Test); err != nil {
					b.Fatal(err)
				}
				t1 := nanotime()
				if _, err := tr.Step(); err != nil {
					b.Fatal(err)
				}
				evalNs += t1 - t0
				stepNs += nanotime() - t1
			}
			b.ReportMetric(float64(evalNs)/float64(evalNs+stepNs), "eval/epoch")
			b.ReportMetric(float64(stepNs)/float64(b.N)/1e6, "step-ms")
		})
	}
}
