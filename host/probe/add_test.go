package probe

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/sdk"
)

// writeNPY writes t to a temporary .npy and returns its path.
func writeNPY(t *testing.T, name string, x *sdk.Tensor) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := artifact.WriteNPY(p, x); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAddFromFiles(t *testing.T) {
	fam := loadFamily(t, nil)
	v := newVariant(t, fam) // p = 7: d_vocab 8, d_vocab_out 7, n_ctx 3
	// int32 tokens are accepted and stored as int64.
	tok := writeNPY(t, "pairs.npy", sdk.FromInt32([]int32{1, 2, 7, 3, 4, 7}, 2, 3))
	lab := writeNPY(t, "labels.npy", sdk.FromInt64([]int64{3, 0}, 2))
	rec, err := Add(v, fam, AddRequest{Name: "mine", Tokens: tok, Labels: lab})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Source != SourceFile || rec.Rows != 2 || rec.Labels == nil || rec.Description != "added from pairs.npy and labels.npy" || rec.From[0] != tok {
		t.Errorf("record %+v", rec)
	}
	p, _, err := Load(v, "mine")
	if err != nil {
		t.Fatal(err)
	}
	if p.Tokens.DType() != sdk.Int64 || p.Tokens.Int64s()[5] != 7 || p.Labels.Int64s()[0] != 3 {
		t.Errorf("loaded %v %v", p.Tokens.Int64s(), p.Labels.Int64s())
	}
	ix, _ := ReadIndex(v)
	if ix.Default != "full_grid" {
		t.Errorf("default %q: adding a probe first must still name the family's default", ix.Default)
	}
	// Without labels.
	if rec, err := Add(v, fam, AddRequest{Name: "unlabelled", Tokens: tok, Description: "two pairs"}); err != nil || rec.Labels != nil || rec.Description != "two pairs" {
		t.Errorf("without labels: %+v, %v", rec, err)
	}
	if p, _, err := Load(v, "unlabelled"); err != nil || p.Labels != nil {
		t.Errorf("load without labels: %v", err)
	}
}

func TestAddRefusesBadFiles(t *testing.T) {
	fam := loadFamily(t, nil)
	v := newVariant(t, fam) // p = 7: d_vocab 8, d_vocab_out 7, n_ctx 3
	good := writeNPY(t, "good.npy", sdk.FromInt64([]int64{1, 2, 7, 3, 4, 7}, 2, 3))
	goodLab := writeNPY(t, "good_labels.npy", sdk.FromInt64([]int64{3, 0}, 2))
	if _, err := Add(v, fam, AddRequest{Name: "taken", Tokens: good}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, tokens, labels string
		want                 string
		nameErr              bool
	}{
		{"floats", writeNPY(t, "f.npy", sdk.FromFloat32([]float32{1, 2, 7}, 1, 3)), "", "f.npy: dtype float32, want integers", false},
		{"bools", writeNPY(t, "b.npy", sdk.FromBool([]bool{true, false, true}, 1, 3)), "", "b.npy: dtype bool, want integers", false},
		{"vocab", writeNPY(t, "v.npy", sdk.FromInt64([]int64{1, 2, 7, 3, 8, 7}, 2, 3)), "", "v.npy: row 1, position 1: token 8 is outside the model's vocabulary [0, 8) (d_vocab)", false},
		{"negative", writeNPY(t, "n.npy", sdk.FromInt64([]int64{-1, 2, 7}, 1, 3)), "", "n.npy: row 0, position 0: token -1 is outside", false},
		{"width", writeNPY(t, "w.npy", sdk.FromInt64([]int64{1, 2, 3, 4}, 2, 2)), "", "w.npy: shape (2, 2), want (rows, 3): one row of n_ctx = 3 tokens per input", false},
		{"flat", writeNPY(t, "flat.npy", sdk.FromInt64([]int64{1, 2, 7}, 3)), "", "flat.npy: shape (3,), want (rows, 3)", false},
		{"empty", writeNPY(t, "e.npy", sdk.FromInt64([]int64{}, 0, 3)), "", "e.npy: shape (0, 3) has no rows", false},
		{"short_labels", good, writeNPY(t, "l1.npy", sdk.FromInt64([]int64{3}, 1)), "l1.npy: 1 labels, but " + good + " has 2 rows", false},
		{"label_vocab", good, writeNPY(t, "l7.npy", sdk.FromInt64([]int64{3, 7}, 2)), "l7.npy: row 1: label 7 is outside the model's output vocabulary [0, 7) (d_vocab_out)", false},
		{"label_shape", good, writeNPY(t, "l2.npy", sdk.FromInt64([]int64{3, 0}, 2, 1)), "l2.npy: shape (2, 1), want (2,)", false},
		{"label_floats", good, writeNPY(t, "lf.npy", sdk.FromFloat64([]float64{3, 0}, 2)), "lf.npy: dtype float64, want integers", false},
		{"missing", filepath.Join(t.TempDir(), "none.npy"), "", "none.npy: no such file", false},
		{"Bad Name", good, goodLab, `probe name "Bad Name" is not valid`, true},
		{"taken", good, goodLab, `probe name "taken" is taken: variant ` + v.Name + " already has a probe taken", true},
		{"train", good, goodLab, `probe name "train" is taken: family modulo_addition_1layer declares a probe train`, true},
	} {
		before, _ := os.ReadFile(IndexPath(v))
		_, err := Add(v, fam, AddRequest{Name: c.name, Tokens: c.tokens, Labels: c.labels})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want ...%s...", c.name, err, c.want)
		}
		if errors.Is(err, ErrName) != c.nameErr {
			t.Errorf("%s: errors.Is(ErrName) = %v", c.name, !c.nameErr)
		}
		after, _ := os.ReadFile(IndexPath(v))
		if string(before) != string(after) {
			t.Errorf("%s: a refused probe changed probes.json", c.name)
		}
		if c.name != "taken" && c.name != "train" {
			if _, err := os.Stat(filepath.Join(v.ProbesDir(), c.name)); err == nil {
				t.Errorf("%s: a refused probe left its folder", c.name)
			}
		}
	}
}
