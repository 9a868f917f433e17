package sdk

import "context"

// ModelConfig is a model's architecture under TransformerLens
// HookedTransformerConfig key names, as stored in a variant's config.json.
type ModelConfig struct {
	NLayers           int     `json:"n_layers"`
	DModel            int     `json:"d_model"`
	NHeads            int     `json:"n_heads"`
	DHead             int     `json:"d_head"`
	DMLP              int     `json:"d_mlp"`
	DVocab            int     `json:"d_vocab"`
	DVocabOut         int     `json:"d_vocab_out"`
	NCtx              int     `json:"n_ctx"`
	ActFn             string  `json:"act_fn"`             // "relu" or "gelu"
	NormalizationType string  `json:"normalization_type"` // "" (none) or "LN"
	AttnOnly          bool    `json:"attn_only"`
	InitRange         float64 `json:"initializer_range"`
	Seed              int64   `json:"seed"`
	// Architecture is "" or "transformer" (the TransformerLens model the
	// fields above describe) or "mlp" (one hidden ReLU layer on the pair of
	// input tokens; see docs/engine.md).
	Architecture string `json:"architecture,omitempty"`
	// InputEncoding is an MLP's input layer: "one_hot_concat" (one-hot a and
	// b concatenated into W_in) or "embedding_sum" (two learned embeddings
	// of width DEmbed, summed). Empty for a transformer.
	InputEncoding string `json:"input_encoding,omitempty"`
	// DEmbed is the width of an embedding_sum MLP's embeddings; 0 otherwise.
	DEmbed int `json:"d_embed,omitempty"`
}

// FamilyInfo is a family plugin's self-description; the host checks it
// against family.json.
type FamilyInfo struct {
	Name    string
	Version string
}

// Dataset is a tokenized data set with the label to predict at LossPosition.
type Dataset struct {
	Tokens *Tensor // int64 [batch, n_ctx]
	Labels *Tensor // int64 [batch]
}

// TrainingData is a family's training and test split for given parameters.
type TrainingData struct {
	Train, Test Dataset
	// TrainIndices and TestIndices are the rows of the full probe each split
	// holds, recorded in metadata.json.
	TrainIndices, TestIndices []int
}

// TrainingConfig is a family's training defaults for given parameters.
type TrainingConfig struct {
	Optimizer     string    `json:"optimizer"` // "adamw"
	LR            float64   `json:"lr"`
	WeightDecay   float64   `json:"weight_decay"`
	Betas         []float64 `json:"betas"`
	Eps           float64   `json:"eps"`
	Epochs        int       `json:"epochs"`
	BatchSize     int       `json:"batch_size"` // 0 means full batch
	Frozen        []string  `json:"frozen"`     // glob patterns of frozen parameter names
	Checkpoints   []int     `json:"checkpoints"`
	LossPositions string    `json:"loss_positions"` // "last"
}

// Family is a model family plugin: it turns domain parameters into a model
// configuration, data, a probe and an analysis context. Every method must be
// deterministic in its parameters.
type Family interface {
	Info() FamilyInfo
	ModelConfig(ctx context.Context, p Params) (ModelConfig, error)
	TrainingData(ctx context.Context, p Params) (*TrainingData, error)
	// Probe is the input every checkpoint is analyzed on, with its labels.
	Probe(ctx context.Context, p Params) (*Dataset, error)
	// AnalysisContext holds tensors analyzers may declare as inputs (e.g. a
	// Fourier basis), computed once per analysis run.
	AnalysisContext(ctx context.Context, p Params) (map[string]*Tensor, error)
	TrainingConfig(ctx context.Context, p Params) (TrainingConfig, error)
}
