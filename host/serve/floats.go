package serve

import (
	"math"
	"strconv"

	"github.com/tdw-workbench/tdw/sdk"
)

// Floats is a float slice that encodes to JSON with NaN and ±Inf as null
// (JSON has no such numbers) and with the shortest decimal form that reads
// back to the same value at Bits precision: 16 for float16 (5 significant
// digits suffice), 32 for float32, 0 or 64 for float64.
type Floats struct {
	Values []float64
	Bits   int
}

// MarshalJSON implements json.Marshaler.
func (f Floats) MarshalJSON() ([]byte, error) {
	bits, prec := f.Bits, -1
	switch bits {
	case 16:
		// float16 has 11 significant bits: 5 decimal digits round-trip.
		bits, prec = 32, 5
	case 32:
	default:
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
		b = strconv.AppendFloat(b, x, 'g', prec, bits)
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

// floatBits is the JSON precision for a dtype's values: integers and
// float64 need all 64 bits to stay exact.
func floatBits(d sdk.DType) int {
	switch d {
	case sdk.Float16:
		return 16
	case sdk.Float32, sdk.BFloat16:
		return 32
	}
	return 64
}
