package model

import (
	"fmt"

	"github.com/tdw-workbench/tdw/host/model/cuda"
)

// Launch shapes: element-wise kernels run 256 threads a block; kernels with
// one thread per row (LayerNorm, attention, cross-entropy) run 64, so that
// a few thousand rows still spread over every multiprocessor.
const (
	cudaBlock    = 256
	cudaRowBlock = 64
	cudaMaxGrid  = 1 << 16 // grid-stride loops cover the rest
)

// launch runs k over total work items (none when total is 0).
func (r *cudaRunner) launch(k *cuda.Kernel, total, block int, args ...any) {
	if total <= 0 {
		return
	}
	blocks := min((total+block-1)/block, cudaMaxGrid)
	must(r.s.Launch(k, cuda.Dim3{X: blocks}, cuda.Dim3{X: block}, args...))
}

// splitMinK is the fewest k values a split-K slice gets.
const splitMinK = 128

// gemmSplits returns the split-K slice count of an m×n×k product on a
// device with sms multiprocessors: enough slices for about two blocks per
// multiprocessor when the output tiles alone are too few. It depends only
// on the shapes and the device, so the summation order does too.
func gemmSplits(m, n, k, sms int) int {
	tiles := ceilDiv(m, cuda.GemmTile) * ceilDiv(n, cuda.GemmTile)
	if tiles >= sms || k < 2*splitMinK {
		return 1
	}
	return max(1, min(ceilDiv(2*sms, tiles), k/splitMinK))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// gemm computes C = op(A)·op(B) (+ beta·C) (+ bias) for row-major matrices
// with op(A) m×k and op(B) k×n, as blas.go's gemm with the bias that
// linearForward puts in C first. Both transposed is not needed.
func (r *cudaRunner) gemm(tA, tB bool, m, n, k int, a cuda.Ptr, lda int, b cuda.Ptr, ldb int, beta float32, bias, c cuda.Ptr, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	kern := cuda.SgemmNN
	switch {
	case tA && tB:
		panic("model: cuda gemm with both operands transposed")
	case tA:
		kern = cuda.SgemmTN
	case tB:
		kern = cuda.SgemmNT
	}
	splits := gemmSplits(m, n, k, r.dev.SMs)
	kchunk := ceilDiv(ceilDiv(k, splits), cuda.GemmK) * cuda.GemmK
	if splits > 1 {
		splits = ceilDiv(k, kchunk)
	}
	var ws cuda.Ptr
	if splits > 1 {
		ws = r.workspace(splits * m * n)
	} else {
		kchunk = max(k, 1)
	}
	grid := cuda.Dim3{X: ceilDiv(n, cuda.GemmTile), Y: ceilDiv(m, cuda.GemmTile), Z: splits}
	must(r.s.Launch(kern, grid, cuda.Dim3{X: cuda.GemmThreads}, m, n, k, a, lda, b, ldb, beta, bias, c, ldc, kchunk, ws))
	if splits > 1 {
		r.launch(cuda.SplitKReduce, m*n, cudaBlock, m, n, splits, ws, beta, bias, c, ldc)
	}
}

// workspace returns device scratch of at least floats, growing it (after
// the queued work that may use the old one) when needed.
func (r *cudaRunner) workspace(floats int) cuda.Ptr {
	res := r.res
	if res.wsLen < floats {
		must(r.s.Sync())
		must(r.dev.Free(res.ws))
		p, err := r.dev.Alloc(4 * floats)
		must(err)
		res.ws, res.wsLen = p, floats
	}
	return res.ws
}

// linearForward: y[rows, out] = x[rows, in]·W[in, out] + b (b may be 0).
func (r *cudaRunner) linearForward(x cuda.Ptr, rows, in int, w cuda.Ptr, out int, b, y cuda.Ptr) {
	r.gemm(false, false, rows, out, in, x, in, w, out, 0, b, y, out)
}

// linearBackward: dW += xᵀ·dy, db += Σ_rows dy, dx = dy·Wᵀ (or += with
// accum); a 0 destination is skipped, as in linear.go.
func (r *cudaRunner) linearBackward(x cuda.Ptr, rows, in int, w cuda.Ptr, out int, dy, dW, db, dx cuda.Ptr, accum bool) {
	if dW != 0 {
		r.gemm(true, false, in, out, rows, x, in, dy, out, 1, 0, dW, out)
	}
	if db != 0 {
		r.colSum(dy, 0, rows, out, db)
	}
	if dx != 0 {
		beta := float32(0)
		if accum {
			beta = 1
		}
		r.gemm(false, true, rows, in, out, dy, out, w, out, beta, 0, dx, in)
	}
}

// colSum adds Σ_rows a (· b, when b is not 0) column by column to dst: row
// slices of at least colsumChunk rows summed in order, then the slices in
// order.
func (r *cudaRunner) colSum(a, b cuda.Ptr, rows, cols int, dst cuda.Ptr) {
	if rows == 0 || cols == 0 {
		return
	}
	slices := max(1, min(rows/colsumChunk, colsumMaxSlices))
	chunk := ceilDiv(rows, slices)
	slices = ceilDiv(rows, chunk)
	ws := r.workspace(slices * cols)
	must(r.s.Launch(cuda.ColsumPartial, cuda.Dim3{X: ceilDiv(cols, 128), Y: slices}, cuda.Dim3{X: 128}, rows, cols, a, b, chunk, ws))
	r.launch(cuda.ColsumFinish, cols, cudaBlock, cols, slices, ws, dst)
}

// A thread of colsum_partial adds at least colsumChunk rows; slices are at
// most colsumMaxSlices. Short chains keep the device busy: a thread adding
// thousands of rows one by one waits on memory for each.
const (
	colsumChunk     = 64
	colsumMaxSlices = 256
)

// add: dst = a + b over count floats.
func (r *cudaRunner) add(dst, a, b cuda.Ptr, count int) {
	r.launch(cuda.Add, count, cudaBlock, count, a, b, dst)
}

// copyRows copies the last rr of each group of n rows (w floats from
// column off of rows with stride ld) to dst; rr = 1 is gatherLast.
func (r *cudaRunner) copyRows(src cuda.Ptr, groups, n, rr, w, ld, off int, dst cuda.Ptr) {
	r.launch(cuda.CopyRows, groups*rr*w, cudaBlock, groups, n, rr, w, src, ld, off, dst)
}

// scatterLastAdd adds src[B, w] into row n-1 of each group of dst[B*n, w].
func (r *cudaRunner) scatterLastAdd(src cuda.Ptr, B, n, w int, dst cuda.Ptr) {
	r.launch(cuda.ScatterLastAdd, B*w, cudaBlock, B, n, w, src, dst)
}

// actCode maps an act_fn to the kernels' code; ValidateConfig admits no
// other.
func actCode(act string) int {
	switch act {
	case ActReLU:
		return cuda.ActReLU
	case ActGELU:
		return cuda.ActGELU
	case ActGELUNew:
		return cuda.ActGELUNew
	}
	panic("model: unknown activation " + act)
}

// pack refreshes the packed projections of every block from the device's
// parameters, as net.pack.
func (r *cudaRunner) pack() {
	c := r.c
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	for l := range r.L {
		L := &r.L[l]
		pre := fmt.Sprintf("blocks.%d.", l)
		r.launch(cuda.PackHeads, h*d*dh, cudaBlock, h, d, dh, r.param(pre+"attn.W_Q"), hd, 0, L.wq)
		r.launch(cuda.PackHeads, h*d*dh, cudaBlock, h, d, dh, r.param(pre+"attn.W_K"), 2*hd, 0, L.wkv)
		r.launch(cuda.PackHeads, h*d*dh, cudaBlock, h, d, dh, r.param(pre+"attn.W_V"), 2*hd, hd, L.wkv)
		must(r.s.CopyDevice(L.bq, r.param(pre+"attn.b_Q"), 4*hd))
		must(r.s.CopyDevice(L.bkv, r.param(pre+"attn.b_K"), 4*hd))
		must(r.s.CopyDevice(L.bkv.Add(4*hd), r.param(pre+"attn.b_V"), 4*hd))
	}
	r.packed = true
}

// crossEntropy computes the per-row losses of the first rows logit rows
// against the device's labels, with the gradient of Σ loss / norm into
// dlogits and the argmax hits into hits when those are not 0.
func (r *cudaRunner) crossEntropy(rows, norm int, dlogits, hits cuda.Ptr) {
	r.launch(cuda.CrossEntropy, rows, cudaRowBlock, rows, r.c.DVocabOut, r.logits, r.labels, norm, dlogits, r.losses, hits)
}

// fetchSums adds the per-row losses (and hits) on the device and copies the
// sums back.
func (r *cudaRunner) fetchSums(rows int, hits bool) [2]float64 {
	var b cuda.Ptr
	if hits {
		b = r.hits
	}
	must(r.s.Launch(cuda.SumF64, cuda.Dim3{X: 1}, cuda.Dim3{X: cuda.SumThreads}, rows, r.losses, b, r.sums))
	must(cuda.CopyOut(r.s, r.sum2[:], r.sums))
	must(r.s.Sync())
	return r.sum2
}
