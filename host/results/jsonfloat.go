package results

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/tdw-workbench/tdw/sdk"
)

// Non-finite summary values are written to manifest.json as these strings
// (the names Python's json module and JavaScript use), since JSON has no
// number for them: a statistic that is NaN at some epoch (e.g. of a dead
// layer) is stored, not a reason the manifest cannot be written.
const (
	jsonNaN    = "NaN"
	jsonPosInf = "Infinity"
	jsonNegInf = "-Infinity"
)

// MarshalJSON writes Values as JSON numbers, and NaN and ±Inf as the
// strings "NaN", "Infinity" and "-Infinity".
func (s SummaryValue) MarshalJSON() ([]byte, error) {
	vals := make([]json.RawMessage, len(s.Values))
	for i, v := range s.Values {
		switch {
		case math.IsNaN(v):
			vals[i] = json.RawMessage(strconv.Quote(jsonNaN))
		case math.IsInf(v, 1):
			vals[i] = json.RawMessage(strconv.Quote(jsonPosInf))
		case math.IsInf(v, -1):
			vals[i] = json.RawMessage(strconv.Quote(jsonNegInf))
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			vals[i] = b
		}
	}
	return json.Marshal(struct {
		DType  sdk.DType         `json:"dtype"`
		Shape  []int             `json:"shape"`
		Values []json.RawMessage `json:"values"`
	}{s.DType, s.Shape, vals})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *SummaryValue) UnmarshalJSON(b []byte) error {
	var raw struct {
		DType  string            `json:"dtype"`
		Shape  []int             `json:"shape"`
		Values []json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s.DType, s.Shape = sdk.DType(raw.DType), raw.Shape
	s.Values = make([]float64, len(raw.Values))
	for i, r := range raw.Values {
		if len(r) > 0 && r[0] == '"' {
			var str string
			if err := json.Unmarshal(r, &str); err != nil {
				return err
			}
			switch str {
			case jsonNaN:
				s.Values[i] = math.NaN()
			case jsonPosInf:
				s.Values[i] = math.Inf(1)
			case jsonNegInf:
				s.Values[i] = math.Inf(-1)
			default:
				return fmt.Errorf("summary value %q is not a number, %q, %q or %q", str, jsonNaN, jsonPosInf, jsonNegInf)
			}
			continue
		}
		if err := json.Unmarshal(r, &s.Values[i]); err != nil {
			return err
		}
	}
	return nil
}
