package sdk

import "context"

// Kind says when an analyzer runs.
type Kind string

const (
	// PerCheckpoint analyzers run once per checkpoint on that checkpoint's
	// forward-pass cache, weights and the run's context.
	PerCheckpoint Kind = "per-checkpoint"
	// CrossEpoch analyzers run once per analysis run, after every
	// per-checkpoint analyzer, on other analyzers' artifacts stacked over epochs.
	CrossEpoch Kind = "cross-epoch"
	// Secondary analyzers run once per epoch, after the per-checkpoint
	// ones, on other analyzers' artifacts of that epoch (no model): artifact
	// to artifact. They implement CrossEpochAnalyzer: AnalyzeAcross receives
	// the sources with a leading epoch axis of length 1 and returns every
	// array and summary statistic with the same leading axis.
	Secondary Kind = "secondary"
)

// AnalyzerInfo is an analyzer's self-description. The host checks it against
// the analyzer's analyzer.json before use.
type AnalyzerInfo struct {
	Name    string
	Version string
	Kind    Kind
}

// Run is what an analyzer receives once, at the start of an analysis run.
type Run struct {
	Family  string // family name, e.g. "modulo_addition_1layer"
	Variant string // variant folder name
	// Probe names the probe the run's checkpoints are run on (e.g.
	// "full_grid"); its rows are the batch axis of every activation. The
	// probe's tokens and labels are context entries an analyzer may declare
	// ("probe_tokens", "probe_labels").
	Probe string
	// Params are the variant's domain parameters (e.g. prime, seed).
	Params Params
	// Settings are the analyzer's own parameters: analyzer.json defaults
	// overridden by the user.
	Settings Params
	// Model is the model's configuration under TransformerLens key names.
	Model ModelConfig
	// Context holds the family's analysis context tensors (e.g.
	// "fourier_basis", "labels", "train_mask"), computed once per run.
	Context map[string]*Tensor
	// Epochs lists the checkpoints this run covers, ascending.
	Epochs []int
	// Host calls back into the host (evaluate perturbed weights, run extra
	// forward passes). It is nil where no host offers it.
	Host Host
}

// Checkpoint is what a per-checkpoint analyzer receives for one epoch: exactly
// the inputs its analyzer.json declares.
type Checkpoint struct {
	Epoch int
	// Hooks maps TransformerLens hook names (e.g. "blocks.0.mlp.hook_post") to
	// cached activations over the family's probe, cut to the declared positions.
	Hooks map[string]*Tensor
	// Weights maps TransformerLens state-dict names to parameters.
	Weights map[string]*Tensor
	// Logits are the model's logits over the probe, when declared.
	Logits *Tensor
}

// Result is what an analyzer returns for one checkpoint.
type Result struct {
	// Arrays are written to {analyzer}/epoch_{NNNNN}.npz under their names.
	Arrays map[string]*Tensor
	// Summary holds small per-epoch statistics (scalars or short vectors); the
	// host stacks each over epochs into {analyzer}/summary.npz.
	Summary map[string]*Tensor
}

// Analyzer is a per-checkpoint analysis. Begin is called once per run before
// any Analyze; Analyze once per checkpoint, possibly for epochs in any order;
// End once at the end. Implementations need not be safe for concurrent use:
// the host calls one analyzer process sequentially.
type Analyzer interface {
	Info() AnalyzerInfo
	Begin(ctx context.Context, run *Run) error
	Analyze(ctx context.Context, cp *Checkpoint) (*Result, error)
	End(ctx context.Context) error
}

// Stacked holds another analyzer's artifact over epochs, as a cross-epoch
// analyzer receives it: each array has a leading epoch axis.
type Stacked struct {
	Epochs []int
	Arrays map[string]*Tensor
}

// CrossEpochAnalyzer runs once over a whole run. Inputs maps each declared
// artifact source ("analyzer" or "analyzer/summary") to its stacked arrays.
type CrossEpochAnalyzer interface {
	Info() AnalyzerInfo
	AnalyzeAcross(ctx context.Context, run *Run, inputs map[string]*Stacked) (map[string]*Tensor, error)
}
