package variant

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// lyingFamily is the real family with its training data altered by edit.
type lyingFamily struct {
	*modadd.Family
	edit func(*sdk.TrainingData) error
}

func (f lyingFamily) TrainingData(ctx context.Context, p sdk.Params) (*sdk.TrainingData, error) {
	td, err := f.Family.TrainingData(ctx, p)
	if err != nil {
		return nil, err
	}
	return td, f.edit(td)
}

func TestTrainRefusesLyingPlugin(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	for _, tc := range []struct {
		name string
		edit func(*sdk.TrainingData) error
		want string
	}{
		{"error", func(*sdk.TrainingData) error { return errors.New("disk on fire") }, "TrainingData: disk on fire"},
		{"label out of range", func(td *sdk.TrainingData) error { td.Train.Labels.Int64s()[3] = 17; return nil }, "train label 17 (row 3) is outside [0, d_vocab_out 17)"},
		{"negative token", func(td *sdk.TrainingData) error { td.Test.Tokens.Int64s()[7] = -1; return nil }, "test token -1 (row 2)"},
		{"token past vocab", func(td *sdk.TrainingData) error { td.Train.Tokens.Int64s()[0] = 18; return nil }, "train token 18 (row 0) is outside [0, d_vocab 18)"},
		{"float tokens", func(td *sdk.TrainingData) error {
			td.Train.Tokens = sdk.NewTensor(sdk.Float32, td.Train.Tokens.Shape()...)
			return nil
		}, "train tokens are float32"},
		{"labels short", func(td *sdk.TrainingData) error { td.Test.Labels = sdk.FromInt64([]int64{1}, 1); return nil }, "test labels are int64(1,)"},
		{"indices short", func(td *sdk.TrainingData) error { td.TrainIndices = td.TrainIndices[1:]; return nil }, "143 train indices for 144 rows"},
		{"too many positions", func(td *sdk.TrainingData) error {
			td.Train.Tokens = sdk.NewTensor(sdk.Int64, td.Train.Tokens.Shape()[0], 4)
			return nil
		}, "want non-empty int64 [batch, ≤3]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Create(context.Background(), t.TempDir(), fam, modadd.New(), tinyParams, "test")
			if err != nil {
				t.Fatal(err)
			}
			ts, _ := ResolveTraining(fam, "", 10, "0,final")
			_, err = v.Train(context.Background(), TrainOptions{Family: lyingFamily{modadd.New(), tc.edit}, Training: ts})
			if err == nil || !strings.Contains(err.Error(), "family plugin modulo_addition_1layer") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming the plugin and %q", err, tc.want)
			}
			if eps, _ := v.Checkpoints(); len(eps) != 0 {
				t.Errorf("checkpoints written from bad data: %v", eps)
			}
		})
	}
}
