package variant

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// tinyParams is a variant small enough to train in a fraction of a second per
// hundred epochs.
var tinyParams = sdk.Params{"prime": 17, "train_fraction": 0.5, "seed": 1, "data_seed": 2}

// trainTiny creates the tiny variant under results and trains it.
func trainTiny(t *testing.T, fam *registry.FamilyManifest, results string, epochs int, spec string, opts TrainOptions) (*Variant, *TrainingResult, error) {
	t.Helper()
	v, err := Create(context.Background(), results, fam, modadd.New(), tinyParams, "test")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Training == nil && epochs > 0 {
		if opts.Training, err = ResolveTraining(fam, "", epochs, spec); err != nil {
			t.Fatal(err)
		}
	}
	opts.Family = modadd.New()
	opts.TDWVersion = "test"
	res, err := v.Train(context.Background(), opts)
	return v, res, err
}

// hashes returns the sha256 of every checkpoint file of v, by epoch.
func hashes(t *testing.T, v *Variant) map[int]string {
	t.Helper()
	eps, err := v.Checkpoints()
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, e := range eps {
		h, err := checkpoint.FileSHA256(v.CheckpointPath(e))
		if err != nil {
			t.Fatal(err)
		}
		out[e] = h
	}
	return out
}

func TestTrainEndToEnd(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	results := t.TempDir()
	var progress []Progress
	v, res, err := trainTiny(t, fam, results, 40, "0:40:10", TrainOptions{Progress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := v.State(); err != nil || st != Trained {
		t.Fatalf("state %v %v, want TRAINED", st, err)
	}
	// Layout: exactly the scheduled checkpoints, the optimizer state of the
	// last one, and nothing else.
	var files []string
	entries, _ := os.ReadDir(v.CheckpointsDir())
	for _, e := range entries {
		files = append(files, e.Name())
	}
	want := []string{"checkpoint_epoch_00000.safetensors", "checkpoint_epoch_00010.safetensors", "checkpoint_epoch_00020.safetensors",
		"checkpoint_epoch_00030.safetensors", "checkpoint_epoch_00040.safetensors", "optimizer_epoch_00040.safetensors"}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("checkpoints/ holds %v, want %v", files, want)
	}
	for _, f := range []string{ConfigFile, MetadataFile} {
		if _, err := os.Stat(filepath.Join(v.Dir(), f)); err != nil {
			t.Error(err)
		}
	}
	// Result and metadata.
	if len(res.TrainLosses) != 40 || len(res.TestLosses) != 40 || !reflect.DeepEqual(res.CheckpointEpochs, []int{0, 10, 20, 30, 40}) {
		t.Errorf("result: %d/%d losses, checkpoints %v", len(res.TrainLosses), len(res.TestLosses), res.CheckpointEpochs)
	}
	if res.TrainLosses[39] >= res.TrainLosses[0] || res.FinalTrainLoss >= res.TrainLosses[0] {
		t.Errorf("training loss did not fall: %v -> %v (final %v)", res.TrainLosses[0], res.TrainLosses[39], res.FinalTrainLoss)
	}
	if res.VariantDir != v.Dir() {
		t.Errorf("result dir %s", res.VariantDir)
	}
	m, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != StatusComplete || m.NumEpochs != 40 || m.EpochsCompleted != 40 || m.ResumeEpoch != 40 ||
		m.Training.Schedule != "0:40:10" || m.WallTimeSeconds <= 0 || m.FinishedAt == "" {
		t.Errorf("metadata %+v", m)
	}
	if len(m.TrainIndices) != 144 || len(m.TestIndices) != 145 {
		t.Errorf("split %d/%d, want 144/145", len(m.TrainIndices), len(m.TestIndices))
	}
	if m.Seeds["seed"] != 1 || m.Seeds["data_seed"] != 2 {
		t.Errorf("seeds %v", m.Seeds)
	}
	for _, c := range m.Checkpoints {
		h, err := checkpoint.FileSHA256(filepath.Join(v.Dir(), c.File))
		if err != nil || h != c.SHA256 {
			t.Errorf("checkpoint %d: sha256 %s recorded, file has %s (%v)", c.Epoch, c.SHA256, h, err)
		}
		if c.TrainAccuracy < 0 || c.TrainAccuracy > 1 || c.TestAccuracy < 0 || c.TestAccuracy > 1 || c.TrainLoss <= 0 {
			t.Errorf("checkpoint record %+v", c)
		}
		if c.Epoch < 40 && c.TestLoss != m.TestLosses[c.Epoch] {
			t.Errorf("checkpoint %d test loss %v, per-epoch %v", c.Epoch, c.TestLoss, m.TestLosses[c.Epoch])
		}
		if c.Epoch < 40 && c.TrainLoss != m.TrainLosses[c.Epoch] {
			t.Errorf("checkpoint %d train loss %v, per-epoch %v", c.Epoch, c.TrainLoss, m.TrainLosses[c.Epoch])
		}
	}
	// Checkpoint files hold TransformerLens names, the epoch and the config.
	ck, err := checkpoint.Load(v.CheckpointPath(30))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range ck.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	tl := []string{"blocks.0.attn.W_K", "blocks.0.attn.W_O", "blocks.0.attn.W_Q", "blocks.0.attn.W_V",
		"blocks.0.attn.b_K", "blocks.0.attn.b_O", "blocks.0.attn.b_Q", "blocks.0.attn.b_V",
		"blocks.0.mlp.W_in", "blocks.0.mlp.W_out", "blocks.0.mlp.b_in", "blocks.0.mlp.b_out",
		"embed.W_E", "pos_embed.W_pos", "unembed.W_U", "unembed.b_U"}
	if !reflect.DeepEqual(names, tl) {
		t.Errorf("checkpoint tensors %v\nwant %v", names, tl)
	}
	if sh := ck.Tensors["blocks.0.attn.W_Q"].Shape(); !reflect.DeepEqual(sh, []int{4, 128, 32}) {
		t.Errorf("W_Q shape %v", sh)
	}
	if sh := ck.Tensors["embed.W_E"].Shape(); !reflect.DeepEqual(sh, []int{18, 128}) {
		t.Errorf("W_E shape %v", sh)
	}
	for _, b := range []string{"blocks.0.attn.b_Q", "blocks.0.mlp.b_in", "unembed.b_U"} {
		for _, x := range ck.Tensors[b].Float32s() {
			if x != 0 {
				t.Fatalf("frozen bias %s moved: %v", b, x)
			}
		}
	}
	if ck.Epoch != 30 {
		t.Errorf("checkpoint epoch %d", ck.Epoch)
	}
	if mc, err := ck.ModelConfig(); err != nil || mc.DVocab != 18 {
		t.Errorf("checkpoint config %+v %v", mc, err)
	}
	// Loading a model at a checkpoint reproduces the recorded test loss.
	mdl, err := v.LoadModel(30)
	if err != nil {
		t.Fatal(err)
	}
	td, _ := modadd.New().TrainingData(context.Background(), v.Params)
	loss, _, err := model.Evaluate(mdl, td.Test, model.PosLast)
	if err != nil || loss != m.TestLosses[30] {
		t.Errorf("reloaded model test loss %v (%v), recorded %v", loss, err, m.TestLosses[30])
	}
	// Progress came once per epoch.
	if len(progress) != 40 || progress[39].Epoch != 40 || progress[39].Total != 40 {
		t.Errorf("%d progress reports, last %+v", len(progress), progress[len(progress)-1])
	}
}

func TestTrainDeterministic(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	a, _, err := trainTiny(t, fam, t.TempDir(), 30, "0:30:10", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := trainTiny(t, fam, t.TempDir(), 30, "0:30:10", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := hashes(t, a), hashes(t, b)
	if len(ha) != 4 || !reflect.DeepEqual(ha, hb) {
		t.Errorf("two trainings differ:\n%v\n%v", ha, hb)
	}
}

// TestTrainExtendEqualsStraight: 2N epochs straight equal N then --extend-to 2N.
func TestTrainExtendEqualsStraight(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	const n = 40
	straight, sres, err := trainTiny(t, fam, t.TempDir(), 2*n, "0:80:10", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	half, _, err := trainTiny(t, fam, results, n, "0:40:10", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Open(results, half.Family, half.Name)
	if err != nil {
		t.Fatal(err)
	}
	eres, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), ExtendTo: 2 * n, Schedule: "0:80:10", TDWVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	hs, he := hashes(t, straight), hashes(t, v)
	if len(hs) != 9 || !reflect.DeepEqual(hs, he) {
		t.Errorf("straight and extended checkpoints differ:\n%v\n%v", hs, he)
	}
	if !reflect.DeepEqual(sres.TrainLosses, eres.TrainLosses) || !reflect.DeepEqual(sres.TestLosses, eres.TestLosses) {
		t.Error("straight and extended losses differ")
	}
	ms, _ := straight.Metadata()
	me, _ := v.Metadata()
	if !reflect.DeepEqual(ms.Checkpoints, me.Checkpoints) || me.NumEpochs != 2*n || me.Status != StatusComplete {
		t.Errorf("metadata differs: %+v\n%+v", ms.Checkpoints, me.Checkpoints)
	}
	if files, _ := filepath.Glob(filepath.Join(v.CheckpointsDir(), "optimizer_*")); len(files) != 1 || !strings.HasSuffix(files[0], "00080.safetensors") {
		t.Errorf("optimizer files after extension: %v", files)
	}
}

// TestTrainInterruptResume cancels a run part way (as Ctrl-C does), then
// resumes it: the result equals an uninterrupted run.
func TestTrainInterruptResume(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	straight, _, err := trainTiny(t, fam, t.TempDir(), 40, "0:40:10", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, stopAt := range []int{15, 20} { // between checkpoints, and on one
		results := t.TempDir()
		v, err := Create(context.Background(), results, fam, modadd.New(), tinyParams, "test")
		if err != nil {
			t.Fatal(err)
		}
		ts, _ := ResolveTraining(fam, "", 40, "0:40:10")
		ctx, cancel := context.WithCancel(context.Background())
		_, err = v.Train(ctx, TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test", Progress: func(p Progress) {
			if p.Epoch == stopAt {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("stop at %d: error %v, want ErrInterrupted", stopAt, err)
		}
		m, err := v.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := v.State(); st != Untrained || m.Status != StatusTraining || m.ResumeEpoch != stopAt || len(m.TrainLosses) != stopAt {
			t.Fatalf("stop at %d: state %v, metadata status %s resume %d losses %d", stopAt, st, m.Status, m.ResumeEpoch, len(m.TrainLosses))
		}
		// Without --resume or --force the partial run is not touched.
		if _, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), Training: ts}); err == nil || !strings.Contains(err.Error(), "--resume") {
			t.Fatalf("training a partial run without --resume: %v", err)
		}
		if _, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), Resume: true, TDWVersion: "test"}); err != nil {
			t.Fatal(err)
		}
		if hs, hr := hashes(t, straight), hashes(t, v); !reflect.DeepEqual(hs, hr) {
			t.Errorf("stop at %d: resumed run differs:\n%v\n%v", stopAt, hs, hr)
		}
		ms, _ := straight.Metadata()
		mr, _ := v.Metadata()
		if !reflect.DeepEqual(ms.TrainLosses, mr.TrainLosses) || !reflect.DeepEqual(ms.TestAccuracies, mr.TestAccuracies) {
			t.Errorf("stop at %d: resumed losses differ", stopAt)
		}
		if left, _ := filepath.Glob(filepath.Join(v.CheckpointsDir(), "resume_*")); len(left) != 0 {
			t.Errorf("stop at %d: resume files left: %v", stopAt, left)
		}
	}
}

func TestTrainRefusesOverwrite(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	results := t.TempDir()
	v, _, err := trainTiny(t, fam, results, 20, "0,final", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := hashes(t, v)
	ts, _ := ResolveTraining(fam, "", 30, "0:30:10")
	for _, tc := range []struct {
		name string
		opts TrainOptions
		want string
	}{
		{"plain", TrainOptions{Training: ts}, "--force"},
		{"resume complete", TrainOptions{Resume: true}, "already trained"},
		{"extend backwards", TrainOptions{ExtendTo: 10}, "not beyond"},
		{"extend bad schedule", TrainOptions{ExtendTo: 40, Schedule: "0:x"}, `checkpoint schedule item 1 "0:x"`},
		{"no plugin", TrainOptions{Training: ts, Force: true}, "no family plugin"},
	} {
		opts := tc.opts
		if tc.name != "no plugin" {
			opts.Family = modadd.New()
		}
		if _, err := v.Train(context.Background(), opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if after := hashes(t, v); !reflect.DeepEqual(before, after) {
		t.Error("a refused Train changed the checkpoints")
	}
	// --force retrains from scratch with the new settings, clearing analysis.
	os.MkdirAll(v.ArtifactsDir(), 0o755)
	os.WriteFile(filepath.Join(v.ArtifactsDir(), ManifestFile), []byte("{}"), 0o644)
	if _, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), Training: ts, Force: true}); err != nil {
		t.Fatal(err)
	}
	if eps, _ := v.Checkpoints(); !reflect.DeepEqual(eps, []int{0, 10, 20, 30}) {
		t.Errorf("after --force: checkpoints %v", eps)
	}
	if st, _ := v.State(); st != Trained {
		t.Errorf("after --force: state %v", st)
	}
	// Resuming a variant never trained is refused.
	fresh, err := Create(context.Background(), results, fam, modadd.New(), sdk.Params{"prime": 5}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Train(context.Background(), TrainOptions{Family: modadd.New(), Training: ts, Resume: true}); err == nil || !strings.Contains(err.Error(), "never been trained") {
		t.Errorf("resume of a new variant: %v", err)
	}
}

func TestTrainLockedVariant(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	results := t.TempDir()
	v, err := Create(context.Background(), results, fam, modadd.New(), tinyParams, "test")
	if err != nil {
		t.Fatal(err)
	}
	other, err := lockfileAcquire(filepath.Join(v.Dir(), LockFile))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	ts, _ := ResolveTraining(fam, "", 10, "0,final")
	if _, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), Training: ts}); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("training a locked variant: %v", err)
	}
}

// TestTrainExtendRescales extends twice without a schedule: each time the
// recorded schedule is rescaled to the new length and recorded as such.
func TestTrainExtendRescales(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	v, _, err := trainTiny(t, fam, t.TempDir(), 10, "0:10:5", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []int{20, 40} {
		if _, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), ExtendTo: to}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 5, 10, 20, 40}; !reflect.DeepEqual(m.CheckpointEpochs, want) || !reflect.DeepEqual(m.Training.Checkpoints, want) {
		t.Errorf("checkpoints %v (planned %v), want %v", m.CheckpointEpochs, m.Training.Checkpoints, want)
	}
	if m.Training.Schedule != "0:40:20" || m.Training.Epochs != 40 || m.NumEpochs != 40 {
		t.Errorf("recorded schedule %q for %d epochs", m.Training.Schedule, m.Training.Epochs)
	}
}

// TestTrainExtendWithoutFinalCheckpoint: a run whose schedule skips its last
// epoch keeps that epoch's weights in a resume file, and extends from it to
// the same bytes as a straight run.
func TestTrainExtendWithoutFinalCheckpoint(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	straight, _, err := trainTiny(t, fam, t.TempDir(), 20, "0:20:4", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := trainTiny(t, fam, t.TempDir(), 10, "0:8:4", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := v.State(); err != nil || st != Trained {
		t.Fatalf("state %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(v.CheckpointsDir(), ResumeName(10))); err != nil {
		t.Fatalf("no resume file for the unscheduled last epoch: %v", err)
	}
	if _, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), ExtendTo: 20, Schedule: "0:20:4"}); err != nil {
		t.Fatal(err)
	}
	if hs, he := hashes(t, straight), hashes(t, v); len(hs) != 6 || !reflect.DeepEqual(hs, he) {
		t.Errorf("straight %v\nextended %v", hs, he)
	}
	if left, _ := filepath.Glob(filepath.Join(v.CheckpointsDir(), "resume_*")); len(left) != 0 {
		t.Errorf("resume files left: %v", left)
	}
}

// TestTrainRecordsEngines: metadata.json names the backend that trained a
// run, and a second one when an extension runs on another backend.
func TestTrainRecordsEngines(t *testing.T) {
	model.SetDefaultBackend(model.CPU())
	t.Cleanup(func() { model.SetDefaultBackend(nil) })
	fam := loadFamily(t, familyJSON)
	v, _, err := trainTiny(t, fam, t.TempDir(), 10, "0:10:5", TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Extending on the same backend adds nothing; on another, it is recorded.
	for _, step := range []struct {
		to      int
		backend model.Backend
	}{{15, model.CPU()}, {20, model.Gorgonia()}} {
		model.SetDefaultBackend(step.backend)
		if _, err := v.Train(context.Background(), TrainOptions{Family: modadd.New(), ExtendTo: step.to}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{model.CPU().Name(), model.Gorgonia().Name()}; !reflect.DeepEqual(m.Engines, want) {
		t.Errorf("engines %v, want %v", m.Engines, want)
	}
}
