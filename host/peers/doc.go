// Package peers compares a variant with its seed peers: the variants of
// the same family whose domain parameters differ from it only in one seed
// parameter (a model seed or a data seed). It finds them and measures how
// far their weights drift from the anchor's over training: the normalized
// L2 divergence of every weight matrix, and of all of them together, as a
// percentage of the anchor's norm, at the checkpoint epochs both have.
package peers
