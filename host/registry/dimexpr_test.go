package registry

import "testing"

func TestDimEval(t *testing.T) {
	sym := map[string]int{"p": 113, "n_layers": 1, "d_mlp": 512, "n_epochs": 27}
	lookup := func(s string) (int, bool) { v, ok := sym[s]; return v, ok }
	for _, c := range []struct {
		text string
		want int
		ok   bool
	}{
		{"20", 20, true},
		{"p", 113, true},
		{"n_layers*d_mlp", 512, true},
		{"(p-1)/2", 56, true},
		{"n_epochs-1", 26, true},
		{"p*p", 12769, true},
		{"2^3", 8, true},
		{"p - 1 - 1", 111, true},
		{"k", 0, false},
		{"p/0", 0, false},
	} {
		d, err := ParseDim(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if got, ok := d.Eval(lookup); got != c.want || ok != c.ok {
			t.Errorf("%q = %d, %v; want %d, %v", c.text, got, ok, c.want, c.ok)
		}
	}
	for _, bad := range []string{"", "p*", "(p", "p)", "3.5", "p q"} {
		if _, err := ParseDim(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestOutputSpecDims(t *testing.T) {
	o := OutputSpec{Shape: "(n_layers*n_heads, n_ctx, n_ctx, p, p), patterns per head"}
	dims := o.Dims()
	if len(dims) != 5 || dims[0].String() != "n_layers*n_heads" || dims[4].String() != "p" {
		t.Fatalf("dims %v", dims)
	}
	if got := (OutputSpec{Shape: "()"}).Dims(); got == nil || len(got) != 0 {
		t.Errorf("scalar dims %v", got)
	}
}
