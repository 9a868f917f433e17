// Package progress is the progress_measures analyzer: the measures Nanda et
// al. (2023, "Progress measures for grokking via mechanistic
// interpretability", §5) use to show that grokking is a gradual circuit
// formation followed by a cleanup, for the modular-addition family.
//
// Per checkpoint, all in the summary so that each stacks over epochs:
//
//   - key frequencies, discovered from the MLP neurons (never hard-coded): a
//     frequency k is key when its share of all neurons' frequency-block
//     variance energy, share_k = Σ_n E_k(n) / Σ_j Σ_n E_j(n) with E_k(n) the
//     energy of neuron n in the block {0, 2k-1, 2k}² of its 2-D Fourier
//     coefficients (neuron_freq_norm's numerator), is at least
//     min_share_ratio times the uniform share 1/n_freq. The key_frequencies
//     parameter fixes the set instead (the paper fixes the final model's key
//     frequencies for every checkpoint: run once, read the last epoch's
//     key_frequencies, rerun with them).
//   - restricted loss: the logits keep, per output c, only their mean over the
//     inputs plus their projection on cos(w_k(a+b)) and sin(w_k(a+b)) for the
//     key frequencies (w_k = 2πk/p); cross-entropy over every input.
//   - excluded loss: those projections removed from the logits;
//     cross-entropy over the training inputs.
//   - the Gini coefficients of the norms of the Fourier components of W_E
//     (rows of F·W_E[:p]) and of W_L = W_out·W_U (columns of W_L[:, :p]·Fᵀ,
//     W_out of the last layer).
//   - the sum of squared weights (every weight the checkpoint holds).
//   - train and test loss and accuracy of the logits as they are.
//
// Cross-entropy uses log-softmax in float64, as the loss of training does.
package progress
