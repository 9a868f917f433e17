// Package checkpoint reads and writes safetensors files: model checkpoints
// under TransformerLens state-dict names, and the AdamW optimizer state saved
// beside the last checkpoint so training can resume exactly.
//
// The reader and writer are this package's own rather than
// github.com/nlpodyssey/safetensors, which cannot write 0-rank tensors (a
// TransformerLens state dict holds one, blocks.L.attn.IGNORE) and does not
// validate offsets as strictly as a reader of untrusted files must. The format
// and its validation rules are in docs/formats/checkpoint.md.
//
// A file is read with one read into one buffer; the tensors returned are views
// of that buffer, so no tensor costs a syscall of its own.
package checkpoint
