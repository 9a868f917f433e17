// Command modulo_addition_learned_emb_mlp is the learned-embedding MLP
// family plugin for modular addition: two p×16 embeddings of a and b,
// summed, W_in 16→512, ReLU, W_out 512→p, no biases (the reference
// project's modulo_addition_learned_emb_mlp). The host launches it; it
// serves the family over go-plugin's gRPC protocol and writes nothing to
// stdout.
package main

import (
	"github.com/tdw-workbench/tdw/plugins/internal/modaddmlp"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

// spec is the family: the reference's architecture and hyperparameters (lr
// 1e-4, weight decay 2.0, 75% of pairs for training, 50,000 epochs).
var spec = modaddmlp.Spec{
	Name: "modulo_addition_learned_emb_mlp", Version: "1.0.0",
	InputEncoding: "embedding_sum", DEmbed: 16, DMLP: 512, DefaultTrainFraction: 0.75,
	LR: 1e-4, WeightDecay: 2.0, Epochs: 50000,
	Schedule: modaddmlp.Schedule([][3]int{{0, 1400, 100}, {1500, 11500, 500}, {12000, 21900, 100}, {22000, 49500, 500}}, 50000),
}

func main() { plugin.ServeFamily(modaddmlp.New(spec)) }
