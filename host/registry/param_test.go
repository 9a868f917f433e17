package registry

import (
	"errors"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func fptr(f float64) *float64 { return &f }

// modAddSpecs are the calibration family's domain parameters plus a string,
// a bool and a required parameter, to cover every type.
func modAddSpecs() ParamSpecs {
	return ParamSpecs{
		"prime":          {Type: ParamInt, Default: int64(113), Min: fptr(3), Max: fptr(1000)},
		"seed":           {Type: ParamInt, Default: int64(999), Min: fptr(0)},
		"train_fraction": {Type: ParamFloat, Default: 0.3, Min: fptr(0.01), Max: fptr(0.99)},
		"act":            {Type: ParamString, Default: "relu", Choices: []any{"relu", "gelu"}},
		"tied":           {Type: ParamBool, Default: false},
	}
}

func TestValidateParamsDefaults(t *testing.T) {
	got, err := ValidateParams(modAddSpecs(), sdk.Params{"prime": 59, "train_fraction": 0.5, "tied": true})
	if err != nil {
		t.Fatal(err)
	}
	want := sdk.Params{"prime": int64(59), "seed": int64(999), "train_fraction": 0.5, "act": "relu", "tied": true}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v (%T), want %v (%T)", k, got[k], got[k], v, v)
		}
	}
	// JSON delivers integers as float64; exact ones are accepted.
	got, err = ValidateParams(modAddSpecs(), sdk.Params{"prime": 97.0, "train_fraction": int64(0)})
	if err == nil || !strings.Contains(err.Error(), `parameter "train_fraction" is 0, below the minimum 0.01`) {
		t.Errorf("float-as-int / int-as-float = %v, %v", got, err)
	}
}

func TestValidateParamsBad(t *testing.T) {
	cases := []struct {
		given sdk.Params
		want  []string
	}{
		{sdk.Params{"modulus": 97}, []string{`parameter "modulus" is unknown (known: act, prime, seed, tied, train_fraction)`}},
		{sdk.Params{"prime": "113"}, []string{`parameter "prime" is the string "113", not an integer`}},
		{sdk.Params{"prime": 11.5}, []string{`parameter "prime" is the number 11.5, not an integer`}},
		{sdk.Params{"prime": 2}, []string{`parameter "prime" is 2, below the minimum 3`}},
		{sdk.Params{"prime": 1001}, []string{`parameter "prime" is 1001, above the maximum 1000`}},
		{sdk.Params{"train_fraction": true}, []string{`parameter "train_fraction" is the boolean true, not a number`}},
		{sdk.Params{"act": "tanh"}, []string{`parameter "act" is "tanh", not one of "relu", "gelu"`}},
		{sdk.Params{"tied": "yes"}, []string{`parameter "tied" is the string "yes", not a boolean`}},
		{sdk.Params{"act": 3}, []string{`parameter "act" is the number 3, not a string`}},
		{sdk.Params{"seed": -1, "zeta": 1, "alpha": 2}, []string{`"alpha" is unknown`, `"seed" is -1, below the minimum 0`, `"zeta" is unknown`}},
	}
	for _, c := range cases {
		_, err := ValidateParams(modAddSpecs(), c.given)
		var pe ParamErrors
		if !errors.As(err, &pe) {
			t.Errorf("%v: want ParamErrors, got %v", c.given, err)
			continue
		}
		if len(pe) != len(c.want) {
			t.Errorf("%v: %d errors, want %d: %v", c.given, len(pe), len(c.want), err)
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(pe[i].Error(), w) {
				t.Errorf("%v: error %d = %q, want %q", c.given, i, pe[i], w)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	}
	required := ParamSpecs{"name": {Type: ParamString}}
	if _, err := ValidateParams(required, nil); err == nil || !strings.Contains(err.Error(), `parameter "name" is required`) {
		t.Errorf("missing required = %v", err)
	}
}

func TestParseParams(t *testing.T) {
	got, err := ParseParams(modAddSpecs(), map[string]string{"prime": "59", "train_fraction": "0.50", "tied": "true", "act": "gelu"})
	if err != nil {
		t.Fatal(err)
	}
	if got["prime"] != int64(59) || got["train_fraction"] != 0.5 || got["tied"] != true || got["act"] != "gelu" || got["seed"] != int64(999) {
		t.Errorf("got %v", got)
	}
	cases := []struct {
		given map[string]string
		want  string
	}{
		{map[string]string{"prime": "0x71"}, `parameter "prime" is "0x71", not an integer`},
		{map[string]string{"prime": "113.0"}, `parameter "prime" is "113.0", not an integer`},
		{map[string]string{"train_fraction": "NaN"}, `parameter "train_fraction" is "NaN", not a finite number`},
		{map[string]string{"train_fraction": "1"}, `above the maximum 0.99`},
		{map[string]string{"tied": "maybe"}, `parameter "tied" is "maybe", not a boolean`},
		{map[string]string{"seeds": "1"}, `parameter "seeds" is unknown`},
		{map[string]string{"act": ""}, `parameter "act" is "", not one of`},
	}
	for _, c := range cases {
		if _, err := ParseParams(modAddSpecs(), c.given); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseParams(%v) = %v, want %q", c.given, err, c.want)
		}
	}
}

func TestVariantName(t *testing.T) {
	specs := ParamSpecs{
		"prime": {Type: ParamInt, Default: int64(113)},
		"frac":  {Type: ParamFloat, Default: 0.3},
		"tag":   {Type: ParamString, Default: "base"},
	}
	vp, err := ParseVariantPattern("modadd_p{prime}_frac{frac}_{tag}", specs)
	if err != nil {
		t.Fatal(err)
	}
	good := []struct {
		params map[string]string
		want   string
	}{
		{nil, "modadd_p113_frac0.3_base"},
		{map[string]string{"prime": "59", "frac": "0.50"}, "modadd_p59_frac0.5_base"},
		{map[string]string{"frac": "1e-5"}, "modadd_p113_frac0.00001_base"},
		{map[string]string{"tag": "run-2.b"}, "modadd_p113_frac0.3_run-2.b"},
		{map[string]string{"prime": "-7"}, "modadd_p-7_frac0.3_base"},
	}
	for _, c := range good {
		p, err := ParseParams(specs, c.params)
		if err != nil {
			t.Fatal(err)
		}
		name, err := vp.Name(p)
		if err != nil || name != c.want {
			t.Errorf("Name(%v) = %q, %v; want %q", c.params, name, err, c.want)
			continue
		}
		// A name parses back to values that rebuild it.
		vals, ok := vp.Parse(name)
		if !ok {
			t.Errorf("Parse(%q) failed", name)
			continue
		}
		again, err := ParseParams(specs, vals)
		if err != nil {
			t.Errorf("Parse(%q) = %v: %v", name, vals, err)
			continue
		}
		if n2, _ := vp.Name(again); n2 != name {
			t.Errorf("round trip %q -> %v -> %q", name, vals, n2)
		}
	}
	// Every value that could escape results/ or hide is refused.
	for _, tag := range []string{"../x", "a/b", "..", ".", ".hidden", "a\x00b", `a\b`, "a b", "", "ü", "x..y", strings.Repeat("a", 201)} {
		_, err := vp.Name(sdk.Params{"prime": int64(113), "frac": 0.3, "tag": tag})
		if err == nil || !strings.Contains(err.Error(), `parameter "tag" value`) {
			t.Errorf("tag %q: got %v", tag, err)
		}
	}
	if _, err := vp.Name(sdk.Params{"prime": int64(113), "frac": 0.3}); err == nil || !strings.Contains(err.Error(), `"tag" is missing`) {
		t.Errorf("missing value: %v", err)
	}
	for _, foreign := range []string{"other_p113", "modadd_p113_frac0.3_", "modadd_p113_frac0.3_a/b", ".modadd_p113_frac0.3_x"} {
		if vals, ok := vp.Parse(foreign); ok {
			t.Errorf("Parse(%q) = %v, want no match", foreign, vals)
		}
	}
	// A pattern without placeholders names a single variant.
	one, err := ParseVariantPattern("default", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := one.Name(nil); n != "default" || err != nil {
		t.Errorf("fixed name = %q, %v", n, err)
	}
}

func TestSafePathComponent(t *testing.T) {
	for _, ok := range []string{"a", "modulo_addition_1layer_p113", "v1.2-rc", "0.5"} {
		if err := SafePathComponent(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../a", "a/..", "/abs", ".git", "a\x00", "a:b", "tab\t", "C:"} {
		if err := SafePathComponent(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
