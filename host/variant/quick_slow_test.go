package variant

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
)

// TestSlowQuickPresetGroks trains the family's quick preset, the embedded
// default of `tdw-host run`, and requires test accuracy ≥ 0.99 at its last
// epoch. It takes minutes, so it runs only with TDW_SLOW=1 (make test-slow).
func TestSlowQuickPresetGroks(t *testing.T) {
	if os.Getenv("TDW_SLOW") != "1" {
		t.Skip("slow: set TDW_SLOW=1 (make test-slow)")
	}
	fam := loadFamily(t, familyJSON)
	preset := fam.Presets["quick"]
	v, err := Create(context.Background(), t.TempDir(), fam, modadd.New(), preset.Params, "test")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ResolveTraining(fam, "quick", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	last := start
	res, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), Training: ts, Progress: func(p Progress) {
		if time.Since(last) > time.Minute {
			last = time.Now()
			t.Logf("epoch %d/%d train %.3e test %.3e acc %.3f", p.Epoch, p.Total, p.TrainLoss, p.TestLoss, p.TestAcc)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	final := m.Checkpoints[len(m.Checkpoints)-1]
	t.Logf("quick preset: %d epochs in %s; test accuracy > 0.99 first at epoch %d; final train loss %.3e, test loss %.3e, test accuracy %.4f",
		m.NumEpochs, time.Since(start).Round(time.Second), m.FirstEpochAbove(0.99), res.FinalTrainLoss, res.FinalTestLoss, final.TestAccuracy)
	if final.Epoch != m.NumEpochs || final.TestAccuracy < 0.99 {
		t.Errorf("quick preset ends at test accuracy %.4f (epoch %d), want ≥ 0.99", final.TestAccuracy, final.Epoch)
	}
}
