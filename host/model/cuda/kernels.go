package cuda

// Kernel is one entry point of the embedded PTX: the source file (module)
// that defines it, its name and its parameters, in order.
type Kernel struct {
	id     int
	Module string
	Name   string
	Params []ArgKind
}

// Kernels lists every kernel the engine launches; Open loads them all.
var Kernels []*Kernel

func declare(module, name string, params ...ArgKind) *Kernel {
	k := &Kernel{id: len(Kernels), Module: module, Name: name, Params: params}
	Kernels = append(Kernels, k)
	return k
}

// Short names for the declarations below.
const (
	aP = ArgPtr
	aI = ArgInt
	aF = ArgFloat32
)

// The engine's kernels, by source file; the comments in kernels/*.cu say
// what each computes. Parameter lists follow the CUDA C signatures.
var (
	// gemm.cu: (m, n, k, A, lda, B, ldb, beta, bias, C, ldc, kchunk, ws)
	SgemmNN = declare("gemm", "sgemm_nn", aI, aI, aI, aP, aI, aP, aI, aF, aP, aP, aI, aI, aP)
	SgemmTN = declare("gemm", "sgemm_tn", aI, aI, aI, aP, aI, aP, aI, aF, aP, aP, aI, aI, aP)
	SgemmNT = declare("gemm", "sgemm_nt", aI, aI, aI, aP, aI, aP, aI, aF, aP, aP, aI, aI, aP)
	// (m, n, splits, ws, beta, bias, C, ldc)
	SplitKReduce = declare("gemm", "splitk_reduce", aI, aI, aI, aP, aF, aP, aP, aI)

	// attention.cu: (B, n, h, dh, nq, q, kv, scores, pattern, z)
	AttentionForward = declare("attention", "attention_forward", aI, aI, aI, aI, aI, aP, aP, aP, aP, aP)
	// (B, n, h, dh, nq, q, kv, pattern, dz, dq, dkv)
	AttentionBackward = declare("attention", "attention_backward", aI, aI, aI, aI, aI, aP, aP, aP, aP, aP, aP)

	// layernorm.cu: (rows, d, x, w, b, scale, hat, out)
	LayerNormForward = declare("layernorm", "layernorm_forward", aI, aI, aP, aP, aP, aP, aP, aP)
	// (rows, d, dy, w, scale, hat, dx, accum)
	LayerNormBackwardDx = declare("layernorm", "layernorm_backward_dx", aI, aI, aP, aP, aP, aP, aP, aI)

	// loss.cu: (rows, V, logits, labels, norm, dlogits, losses, hits)
	CrossEntropy = declare("loss", "cross_entropy", aI, aI, aP, aP, aI, aP, aP, aP)
	// (n, a, b, out)
	SumF64 = declare("loss", "sum_f64", aI, aP, aP, aP)

	// elementwise.cu: (B, n, r, d, WE, Wpos, tok, mode, dst)
	EmbedRows = declare("elementwise", "embed_rows", aI, aI, aI, aI, aP, aP, aP, aI, aP)
	// (B, n, r, w, src, ld, off, dst)
	CopyRows = declare("elementwise", "copy_rows", aI, aI, aI, aI, aP, aI, aI, aP)
	// (count, a, b, dst)
	Add = declare("elementwise", "add", aI, aP, aP, aP)
	// (B, n, w, src, dst)
	ScatterLastAdd = declare("elementwise", "scatter_last_add", aI, aI, aI, aP, aP)
	// (act, count, x, y)
	ActivationForward = declare("elementwise", "activation_forward", aI, aI, aP, aP)
	// (act, count, x, dy, dx)
	ActivationBackward = declare("elementwise", "activation_backward", aI, aI, aP, aP, aP)
	// (h, d, dh, W, ld, off, packed)
	PackHeads = declare("elementwise", "pack_heads", aI, aI, aI, aP, aI, aI, aP)
	// (h, d, dh, packed, ld, off, dW)
	UnpackHeadsAdd = declare("elementwise", "unpack_heads_add", aI, aI, aI, aP, aI, aI, aP)

	// reduce.cu: (rows, cols, a, b, chunk, ws)
	ColsumPartial = declare("reduce", "colsum_partial", aI, aI, aP, aP, aI, aP)
	// (cols, slices, ws, dst)
	ColsumFinish = declare("reduce", "colsum_finish", aI, aI, aP, aP)
	// (chunks, d, src, idx, cs, ws)
	SegmentPartial = declare("reduce", "segment_partial", aI, aI, aP, aP, aP, aP)
	// (segs, d, ws, choff, dst)
	SegmentFinish = declare("reduce", "segment_finish", aI, aI, aP, aP, aP)

	// adamw.cu: (ranges, p, g, m, v, decay, w1, b2, w2, stepSize, bc2Sqrt, eps)
	AdamW = declare("adamw", "adamw", aP, aP, aP, aP, aP, aF, aF, aF, aF, aF, aF, aF)
)

// Activation codes the activation kernels take (common.cuh).
const (
	ActReLU    = 0
	ActGELU    = 1
	ActGELUNew = 2
)

// Embedding modes of EmbedRows.
const (
	EmbedToken = 0 // W_E[tok]
	EmbedPos   = 1 // W_pos[i]
	EmbedSum   = 2 // W_E[tok] + W_pos[i]
)

// Launch shapes the kernels assume.
const (
	// GemmTile is the rows and columns of C one SGEMM block computes.
	GemmTile = 64
	// GemmThreads is the SGEMM block size.
	GemmThreads = 256
	// GemmK is the k-step of the SGEMM tiles; split-K slices are multiples.
	GemmK = 16
	// SumThreads is sum_f64's block size (one block).
	SumThreads = 256
)
