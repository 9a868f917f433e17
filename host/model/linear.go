package model

// linearForward computes y[rows, out] = x[rows, in]·W[in, out] + b, with b nil
// meaning no bias.
func linearForward[T Float](x []T, rows, in int, w []T, out int, b []T, y []T) {
	beta := T(0)
	if b != nil {
		parallelRows(rows, out, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				copy(y[r*out:(r+1)*out], b)
			}
		})
		beta = 1
	}
	gemm(false, false, rows, out, in, x, in, w, out, beta, y, out)
}

// linearBackward accumulates dW += xᵀ·dy and db += Σ_rows dy (db nil: skipped),
// and writes dx = dy·Wᵀ (dx nil: skipped; accum adds to dx instead).
func linearBackward[T Float](x []T, rows, in int, w []T, out int, dy []T, dW, db, dx []T, accum bool) {
	if dW != nil {
		gemm(true, false, in, out, rows, x, in, dy, out, 1, dW, out)
	}
	if db != nil {
		colSum(dy, rows, out, db)
	}
	if dx != nil {
		beta := T(0)
		if accum {
			beta = 1
		}
		gemm(false, true, rows, in, out, dy, out, w, out, beta, dx, in)
	}
}

// colSum adds the column sums of m[rows, cols] to dst, sequentially so that
// the result is the same on every run.
func colSum[T Float](m []T, rows, cols int, dst []T) {
	for r := 0; r < rows; r++ {
		row := m[r*cols : (r+1)*cols]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// addInto sets dst = a + b elementwise (len(dst) = len(a) = len(b)).
func addInto[T Float](dst, a, b []T, width int) {
	parallelRows(len(dst)/width, width, func(lo, hi int) {
		for i := lo * width; i < hi*width; i++ {
			dst[i] = a[i] + b[i]
		}
	})
}

// gatherLast copies row n-1 of each group of n rows of src[B*n, w] into
// dst[B, w].
func gatherLast[T Float](src []T, B, n, w int, dst []T) {
	for b := 0; b < B; b++ {
		copy(dst[b*w:(b+1)*w], src[((b+1)*n-1)*w:(b+1)*n*w])
	}
}

// scatterLastAdd adds src[B, w] into row n-1 of each group of n rows of
// dst[B*n, w].
func scatterLastAdd[T Float](src []T, B, n, w int, dst []T) {
	for b := 0; b < B; b++ {
		d := dst[((b+1)*n-1)*w : (b+1)*n*w]
		for j, v := range src[b*w : (b+1)*w] {
			d[j] += v
		}
	}
}
