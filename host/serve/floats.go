package serve

import (
	"math"
	"strconv"
)

// Floats is a float slice that encodes to JSON with NaN and ±Inf as null
// (JSON has no such numbers) and with the shortest decimal form at Bits
// precision (32 for float32 and float16 data, 0 or 64 for float64).
type Floats struct {
	Values []float64
	Bits   int
}

// MarshalJSON implements json.Marshaler.
func (f Floats) MarshalJSON() ([]byte, error) {
	bits := f.Bits
	if bits != 32 {
		bits = 64
	}
	b := make([]byte, 0, 2+len(f.Values)*10)
	b = append(b, '[')
	for i, x := range f.Values {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, x, 'g', -1, bits)
	}
	return append(b, ']'), nil
}

// finite wraps float64 values for JSON.
func finite(xs []float64) Floats {
	if xs == nil {
		xs = []float64{}
	}
	return Floats{Values: xs, Bits: 64}
}
