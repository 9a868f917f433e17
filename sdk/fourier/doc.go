// Package fourier holds the Fourier analysis over Z_p shared by tdw's
// analyzers: the orthonormal basis in the paper's cos-then-sin order, batched
// 2-D transforms F·G·Fᵀ of (a, b) grids, per-frequency energy fractions,
// per-frequency magnitudes and phases (PairPolar) and band energies, the
// assignment of neurons to their dominant frequency and groups of them
// (Dominant, GroupByFrequency), and the Fourier alignment of angles around a
// circle (Alignment).
//
// Index convention: a frequency axis has (p-1)/2 entries, entry k-1 for
// frequency k; a frequency value is k itself (0 for none); arrays over basis
// rows say so (docs/analyzers.md has the table).
//
// Basis layout (p odd): row 0 is the constant 1/√p; for k = 1..(p-1)/2, row
// 2k-1 is cos(2πkx/p) and row 2k is sin(2πkx/p), x = 0..p-1, each scaled to
// unit norm. This is Nanda et al.'s order; the Python reference project used
// sin-then-cos, so artifacts record which order they use.
//
// Analyzers take the basis from the family's analysis context
// ("fourier_basis", ContextKey) and check it with FromTensor (or FromContext, which also builds the Transformer); Basis exists for families
// and tests.
package fourier
