package model

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/sdk"
)

// mlpConfig is a small architecture "mlp" model: p = 3 (tokens and
// classes), d_mlp hidden units, the given input encoding.
func mlpConfig(enc string, p, dm int) sdk.ModelConfig {
	c := sdk.ModelConfig{Architecture: ArchMLP, InputEncoding: enc, NLayers: 1, DMLP: dm, DVocab: p, DVocabOut: p, NCtx: 2, ActFn: ActReLU, Seed: 3}
	if enc == EncodingEmbeddingSum {
		c.DEmbed = 2
	}
	return c
}

func TestMLPParamAndHookNames(t *testing.T) {
	oh, es := mlpConfig(EncodingOneHotConcat, 5, 4), mlpConfig(EncodingEmbeddingSum, 5, 4)
	names := func(s []ParamSpec) (out []string) {
		for _, x := range s {
			out = append(out, x.Name+sdk.ShapeString(x.Shape))
		}
		return
	}
	if got, want := names(ParamSpecs(oh)), []string{"blocks.0.mlp.W_in(10, 4)", "blocks.0.mlp.W_out(4, 5)"}; !slices.Equal(got, want) {
		t.Errorf("one_hot_concat params %v, want %v", got, want)
	}
	if got, want := names(ParamSpecs(es)), []string{"embed_a.W_E(5, 2)", "embed_b.W_E(5, 2)", "blocks.0.mlp.W_in(2, 4)", "blocks.0.mlp.W_out(4, 5)"}; !slices.Equal(got, want) {
		t.Errorf("embedding_sum params %v, want %v", got, want)
	}
	hooks := func(c sdk.ModelConfig) (out []string) {
		for _, h := range Hooks(c) {
			out = append(out, h.Name)
		}
		return
	}
	if got, want := hooks(oh), []string{"blocks.0.mlp.hook_pre", "blocks.0.mlp.hook_post"}; !slices.Equal(got, want) {
		t.Errorf("one_hot_concat hooks %v, want %v", got, want)
	}
	if got, want := hooks(es), []string{"hook_embed", "blocks.0.mlp.hook_pre", "blocks.0.mlp.hook_post"}; !slices.Equal(got, want) {
		t.Errorf("embedding_sum hooks %v, want %v", got, want)
	}
}

// TestMLPForwardKnownAnswer sets the weights by hand and checks logits
// and hooks against values computed on paper, on the CPU and Gorgonia
// backends.
func TestMLPForwardKnownAnswer(t *testing.T) {
	for _, be := range []Backend{CPU(), Gorgonia()} {
		t.Run(be.Name()+"/one_hot_concat", func(t *testing.T) {
			c := mlpConfig(EncodingOneHotConcat, 3, 2)
			p := NewParams[float32](c)
			// W_in rows 0..2 are a's one-hot, 3..5 b's.
			copy(p.Get(mlpWin), []float32{1, 0, 2, -1, 0, 3, 0, 1, -4, 0, 5, 5})
			copy(p.Get(mlpWout), []float32{1, 2, 3, -1, 0, 1})
			m := &Model{Config: c, Params: p, Backend: be}
			tok := sdk.FromInt64([]int64{1, 2, 0, 0}, 2, 2)
			cache, err := m.Forward(tok, ForwardOptions{Hooks: ParseHookRequests("", PosAll), Logits: PosAll})
			if err != nil {
				t.Fatal(err)
			}
			// (1, 2): pre = W_in[1] + W_in[3+2] = (2,-1)+(5,5) = (7,4);
			// (0, 0): W_in[0] + W_in[3] = (1,0)+(0,1) = (1,1). post = relu(pre).
			// logits = post · W_out: (7,4) → (7-4, 14, 21+4) = (3, 14, 25); (1,1) → (0, 2, 4).
			wantPre := []float32{7, 4, 1, 1}
			wantLogits := []float32{3, 14, 25, 0, 2, 4}
			if got := cache.Hooks[mlpHPre]; !slices.Equal(got.Shape(), []int{2, 2}) || !slices.Equal(got.Float32s(), wantPre) {
				t.Errorf("hook_pre %v %v, want [2 2] %v", got.Shape(), got.Float32s(), wantPre)
			}
			if got := cache.Logits; !slices.Equal(got.Shape(), []int{2, 3}) || !slices.Equal(got.Float32s(), wantLogits) {
				t.Errorf("logits %v %v, want [2 3] %v", got.Shape(), got.Float32s(), wantLogits)
			}
		})
		t.Run(be.Name()+"/embedding_sum", func(t *testing.T) {
			c := mlpConfig(EncodingEmbeddingSum, 3, 2)
			p := NewParams[float32](c)
			copy(p.Get(mlpEmbA), []float32{1, 0, 0, 1, 1, 1})
			copy(p.Get(mlpEmbB), []float32{0, 0, 2, 0, 0, -3})
			copy(p.Get(mlpWin), []float32{1, -1, 1, 1}) // x·W_in = (x0+x1, x1-x0)
			copy(p.Get(mlpWout), []float32{1, 0, 0, 0, 1, 1})
			m := &Model{Config: c, Params: p, Backend: be}
			tok := sdk.FromInt64([]int64{2, 1, 1, 2}, 2, 2)
			cache, err := m.Forward(tok, ForwardOptions{Hooks: ParseHookRequests("", PosLast), Logits: PosLast})
			if err != nil {
				t.Fatal(err)
			}
			// (2, 1): x = (1,1)+(2,0) = (3,1), pre = (4,-2), post = (4,0), logits = (4,0,0).
			// (1, 2): x = (0,1)+(0,-3) = (0,-2), pre = (-2,-2), post = 0, logits = 0.
			for name, want := range map[string][]float32{
				mlpHEmb: {3, 1, 0, -2}, mlpHPre: {4, -2, -2, -2}, mlpHPost: {4, 0, 0, 0},
			} {
				if got := cache.Hooks[name].Float32s(); !slices.Equal(got, want) {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			if got, want := cache.Logits.Float32s(), []float32{4, 0, 0, 0, 0, 0}; !slices.Equal(got, want) {
				t.Errorf("logits %v, want %v", got, want)
			}
		})
	}
}

// TestMLPGradCheck compares the analytic gradient of both backends (in
// float64) with central differences, for both encodings and a frozen
// tensor.
func TestMLPGradCheck(t *testing.T) {
	for _, enc := range []string{EncodingOneHotConcat, EncodingEmbeddingSum} {
		for _, skip := range []map[string]bool{nil, {mlpWin: true}} {
			c := mlpConfig(enc, 5, 6)
			rng := rand.New(rand.NewPCG(7, 8))
			p := NewParams[float64](c)
			randomParams(p, rng)
			const B = 9
			tok, lab := randomTokens(rng, B, 2, c.DVocab), randomTokens(rng, B, 1, c.DVocabOut)
			e := newMLPNet[float64](c, B, nil, true)
			g := newGorgoniaRunner[float64](c, 2, B, RunSpec{Logits: PosLast, Train: true})
			cpuLoss := func() float64 { e.forward(p, tok, B, nil); return sumCE(e.logits, lab, c.DVocabOut) / B }
			for _, be := range []string{"cpu", "gorgonia"} {
				grads := zeroLike(p)
				if be == "cpu" {
					e.forward(p, tok, B, nil)
					crossEntropyGrad(e.logits, e.dLogits, lab, B, c.DVocabOut, B)
					e.backward(p, grads, tok, B, skip)
				} else {
					g.Gradient(p, tok, lab, B, B, grads, skip)
				}
				const h = 1e-6
				for _, s := range p.Specs {
					if skip[s.Name] {
						continue
					}
					lo, hi, _ := p.Range(s.Name)
					for j := lo; j < hi; j++ {
						old := p.Data[j]
						p.Data[j] = old + h
						lp := cpuLoss()
						p.Data[j] = old - h
						lm := cpuLoss()
						p.Data[j] = old
						num := (lp - lm) / (2 * h)
						if !scalar.EqualWithinAbsOrRel(grads.Data[j], num, 1e-8, 1e-5) {
							t.Fatalf("%s %s skip %v: %s[%d]: analytic %.10g, numeric %.10g", enc, be, skip, s.Name, j-lo, grads.Data[j], num)
						}
					}
				}
			}
		}
	}
}

// sumCE is Σ cross-entropy of rows of logits against labels.
func sumCE(logits []float64, lab []int64, V int) float64 {
	var s float64
	for r, y := range lab {
		x := logits[r*V : (r+1)*V]
		s += logSumExp(x) - x[y]
	}
	return s
}

// trainMLP trains a fresh model of c on the backend for a few full-batch
// epochs on random pairs and returns its weights.
func trainMLP(t *testing.T, c sdk.ModelConfig, be Backend) []float32 {
	t.Helper()
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Backend = be
	rng := rand.New(rand.NewPCG(1, 2))
	const B = 40
	tok, lab := randomTokens(rng, B, 2, c.DVocab), make([]int64, B)
	for i := range lab {
		lab[i] = (tok[2*i] + tok[2*i+1]) % int64(c.DVocabOut)
	}
	ds := sdk.Dataset{Tokens: sdk.FromInt64(tok, B, 2), Labels: sdk.FromInt64(lab, B)}
	tr, err := NewTrainer(m, TrainConfig{AdamW: AdamW{LR: 1e-2, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8, WeightDecay: 1}})
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := tr.Evaluate(ds)
	for i := 0; i < 30; i++ {
		if _, err := tr.Epoch(ds); err != nil {
			t.Fatal(err)
		}
	}
	last, _, _ := tr.Evaluate(ds)
	if !(last < first) {
		t.Errorf("%s: loss %v after 30 epochs, %v before: training does not learn", be.Name(), last, first)
	}
	return slices.Clone(m.Params.Data)
}

// TestMLPTrainingDeterministic trains twice per backend (same bytes) and
// compares the backends (float32 rounding apart).
func TestMLPTrainingDeterministic(t *testing.T) {
	for _, enc := range []string{EncodingOneHotConcat, EncodingEmbeddingSum} {
		c := mlpConfig(enc, 7, 16)
		cpu1, cpu2 := trainMLP(t, c, CPU()), trainMLP(t, c, CPU())
		g1, g2 := trainMLP(t, c, Gorgonia()), trainMLP(t, c, Gorgonia())
		if !slices.Equal(cpu1, cpu2) || !slices.Equal(g1, g2) {
			t.Errorf("%s: two runs on one backend differ", enc)
		}
		if err := closeTo(g1, cpu1, 1e-4); err != nil {
			t.Errorf("%s: gorgonia vs cpu weights: %v", enc, err)
		}
	}
}

// TestMLPCheckpointRoundTrip saves a model as .safetensors and loads it
// back under the same names, with its config.
func TestMLPCheckpointRoundTrip(t *testing.T) {
	for _, enc := range []string{EncodingOneHotConcat, EncodingEmbeddingSum} {
		c := mlpConfig(enc, 5, 4)
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		cj, err := ConfigJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "checkpoint_epoch_00007.safetensors")
		if err := checkpoint.Save(path, m.StateDict(), checkpoint.Meta{Epoch: 7, Config: cj}); err != nil {
			t.Fatal(err)
		}
		ck, err := checkpoint.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := ParseConfig(ck.Config)
		if err != nil {
			t.Fatalf("%s: config back: %v", enc, err)
		}
		if c2 != c {
			t.Errorf("%s: config back %+v, want %+v", enc, c2, c)
		}
		m2, err := FromStateDict(c2, ck.Tensors)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m2.Params.Data, m.Params.Data) {
			t.Errorf("%s: weights differ after the round trip", enc)
		}
		for _, s := range ParamSpecs(c) {
			if _, ok := ck.Tensors[s.Name]; !ok {
				t.Errorf("%s: checkpoint lacks %s", enc, s.Name)
			}
		}
	}
}

func TestMLPConfigRefusals(t *testing.T) {
	good := mlpConfig(EncodingEmbeddingSum, 5, 4)
	for _, tc := range []struct {
		edit func(*sdk.ModelConfig)
		want string
	}{
		{func(c *sdk.ModelConfig) { c.NCtx = 3 }, "n_ctx = 3"},
		{func(c *sdk.ModelConfig) { c.DModel = 8 }, "no residual stream"},
		{func(c *sdk.ModelConfig) { c.DEmbed = 0 }, "d_embed = 0"},
		{func(c *sdk.ModelConfig) { c.InputEncoding = "bag" }, "input_encoding = \"bag\""},
		{func(c *sdk.ModelConfig) { c.Architecture = "rnn" }, "architecture = \"rnn\""},
		{func(c *sdk.ModelConfig) { c.NormalizationType = NormLN }, "no LayerNorm"},
	} {
		c := good
		tc.edit(&c)
		if err := ValidateConfig(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", c, err, tc.want)
		}
	}
	tr := tinyConfig(1, false, ActReLU, false)
	tr.DEmbed = 4
	if err := ValidateConfig(tr); err == nil || !strings.Contains(err.Error(), "d_embed") {
		t.Errorf("a transformer with d_embed: %v", err)
	}
	m, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(sdk.FromInt64([]int64{0}, 1, 1), ForwardOptions{}); err == nil || !strings.Contains(err.Error(), "pair") {
		t.Errorf("one token: %v", err)
	}
	if _, err := NewTrainer(m, TrainConfig{AdamW: AdamW{LR: 1, Eps: 1}, LossAllPositions: true}); err == nil {
		t.Error("loss at every position of an MLP was accepted")
	}
	if _, err := backendFor(good, &cudaBackend{}); err == nil || !strings.Contains(err.Error(), "backend cuda runs transformers only") {
		t.Errorf("cuda backend named for an MLP: %v", err)
	}
	if b, err := backendFor(good, autoCUDA{&cudaBackend{}}); err != nil || b.Name() != Gorgonia().Name() {
		t.Errorf("auto with a CUDA device for an MLP: %v, %v; want gorgonia", b, err)
	}
}
