// Package model is tdw's transformer engine: TransformerLens-compatible
// configuration, parameters under TransformerLens state-dict names, forward
// passes that return logits and an activation cache under TransformerLens hook
// names, and AdamW training with PyTorch's update rule.
//
// The compute sits behind the Backend interface (backend.go). The kernels are
// hand-written and fused over BLAS: OpenBLAS through gonum's netlib binding
// when built with the openblas tag, gonum's pure-Go BLAS otherwise. The CPU
// backend calls them directly (the reference); the Gorgonia backend (the
// default) runs them as custom ops of a Gorgonia graph, differentiated by
// gorgonia.Grad. docs/engine.md records why, with the measurements that
// decided it.
//
// Semantics follow TransformerLens exactly (see /docs/engine.md): resid_pre =
// W_E[tok] + W_pos[:n]; LayerNorm's hook_normalized is after its weight and
// bias; masked attention scores are -Inf; hook_attn_out includes b_O.
package model
