package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/model"
)

// TestBackendFlag runs forward on a golden fixture with each way of choosing
// the engine backend and wants the same arrays (the backends' forward passes
// are byte-identical), and a usage error for an unknown backend from the flag
// or from TDW_BACKEND.
func TestBackendFlag(t *testing.T) {
	fx := filepath.Join("..", "..", "model", "testdata", "golden", "two_layer_ln_gelu")
	args := func(out string, extra ...string) []string {
		return append(extra, "forward", "--checkpoint", filepath.Join(fx, "weights.safetensors"),
			"--config", filepath.Join(fx, "config.json"), "--tokens", filepath.Join(fx, "tokens.npy"), "--out", out)
	}
	// The choice is process-wide: leave the default to the other tests.
	t.Cleanup(func() { model.SetDefaultBackend(nil) })
	dir := t.TempDir()
	cases := []struct {
		name string
		env  map[string]string
		flag []string
	}{
		{"default", nil, nil},
		{"flag_auto", nil, []string{"--backend", "auto"}},
		{"flag_cpu", nil, []string{"--backend", "cpu"}},
		{"flag_gorgonia", nil, []string{"--backend", "gorgonia"}},
		{"env_gorgonia", map[string]string{"TDW_BACKEND": "gorgonia"}, nil},
		{"flag_over_env", map[string]string{"TDW_BACKEND": "nope"}, []string{"--backend", "gorgonia"}},
	}
	var want map[string][]float64
	for _, tc := range cases {
		out := filepath.Join(dir, tc.name+".npz")
		if r := run(t, tc.env, args(out, tc.flag...)...); r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, r.code, r.stderr)
		}
		got, err := artifact.ReadNPZ(out)
		if err != nil {
			t.Fatal(err)
		}
		arrays := map[string][]float64{}
		for k, v := range got {
			arrays[k] = v.AsFloat64()
		}
		if want == nil {
			want = arrays
			continue
		}
		if len(arrays) != len(want) {
			t.Fatalf("%s: %d arrays, want %d", tc.name, len(arrays), len(want))
		}
		for k, w := range want {
			if !slices.Equal(arrays[k], w) {
				t.Errorf("%s: %s differs from the default backend's", tc.name, k)
			}
		}
	}
	// The error names where the bad name came from.
	for _, tc := range []struct {
		env  map[string]string
		flag []string
		from string
	}{{nil, []string{"--backend", "tpu"}, "--backend"}, {map[string]string{"TDW_BACKEND": "tpu"}, nil, "TDW_BACKEND"}} {
		r := run(t, tc.env, args(filepath.Join(dir, "x.npz"), tc.flag...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.from+`: backend "tpu": want one of auto, cpu, gorgonia, cuda`) {
			t.Errorf("%v %v: exit %d, stderr %q", tc.env, tc.flag, r.code, r.stderr)
		}
	}
	// Without a GPU, cuda is a runtime error saying why in one line.
	if _, err := model.CUDA(); err != nil {
		r := run(t, nil, args(filepath.Join(dir, "x.npz"), "--backend", "cuda")...)
		want := "tdw-host: " + err.Error() + "\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("--backend cuda without a device: exit %d, stderr %q, want 1 and %q", r.code, r.stderr, want)
		}
	}
}
