package checkpoint

import "github.com/tdw-workbench/tdw/sdk"

// stDTypes maps safetensors dtype names to the sdk dtypes this package reads.
var stDTypes = map[string]sdk.DType{
	"F64":  sdk.Float64,
	"F32":  sdk.Float32,
	"F16":  sdk.Float16,
	"BF16": sdk.BFloat16,
	"I64":  sdk.Int64,
	"I32":  sdk.Int32,
	"U8":   sdk.Uint8,
	"BOOL": sdk.Bool,
}

// otherSTDTypes are dtypes the safetensors format defines that sdk.Tensor
// cannot hold; a file using them is refused with a message saying so, rather
// than as a corrupt file.
var otherSTDTypes = map[string]bool{
	"I8": true, "I16": true, "U16": true, "U32": true, "U64": true,
	"F8_E4M3": true, "F8_E5M2": true,
}

// stName returns the safetensors name of an sdk dtype.
func stName(d sdk.DType) string {
	for k, v := range stDTypes {
		if v == d {
			return k
		}
	}
	return ""
}
