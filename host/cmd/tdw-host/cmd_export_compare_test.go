package main

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportCompare overlays two trained and analyzed variants (seeds 1
// and 2) and checks the pictures, the default name and the refusals.
func TestExportCompare(t *testing.T) {
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	var names []string
	for _, seed := range []string{"1", "2"} {
		r := run(t, env, "run", "--epochs", "20", "-p", "prime=17", "-p", "train_fraction=0.5", "-p", "seed="+seed,
			"--analyzers", "neuron_freq_norm", "--quiet")
		if r.code != exitOK {
			t.Fatalf("run seed %s: code %d\nstdout %s\nstderr %s", seed, r.code, r.stdout, r.stderr)
		}
		names = append(names, "modulo_addition_1layer_p17_seed"+seed+"_dseed598_frac0.5")
	}
	both := strings.Join(names, ",")
	out := t.TempDir()
	for _, tc := range []struct {
		view   string
		args   []string
		format string
	}{
		{"loss", []string{"--epoch", "10"}, "svg"},
		{"accuracy", nil, "png"},
		{"neuron_freq_norm/summary/specialized_count", nil, "svg"},
		{"neuron_freq_norm/summary/specialized_per_freq", []string{"--index", "2", "--log-y"}, "png"},
	} {
		file := filepath.Join(out, strings.ReplaceAll(tc.view, "/", "-")+"."+tc.format)
		args := append([]string{"export", "--compare", both, tc.view, "--format", tc.format, "--out", file}, tc.args...)
		r := run(t, env, args...)
		if r.code != exitOK || r.stdout != "wrote "+file+"\n" {
			t.Errorf("export %v: code %d, stdout %q, stderr %q", args[1:], r.code, r.stdout, r.stderr)
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if tc.format == "png" {
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", file, err)
			}
			continue
		}
		// The legend names each variant by its seed.
		var text strings.Builder
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if cd, ok := tok.(xml.CharData); ok {
				text.Write(cd)
			}
		}
		for _, want := range []string{"seed=1 · ", "seed=2 · ", "differing: seed"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("%s: text lacks %q", file, want)
			}
		}
	}

	// The default name holds the variants and the view.
	t.Chdir(out)
	r := run(t, env, "export", "--compare", "modulo_addition_1layer/"+names[0]+","+names[1], "loss")
	want := "compare_" + names[0] + "_" + names[1] + "_loss.png"
	if r.code != exitOK || r.stdout != "wrote "+want+"\n" {
		t.Fatalf("default name: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	tooMany := strings.TrimSuffix(strings.Repeat(names[0]+",", 13), ",")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--compare", both, "loss", "--format", "gif"}, exitUsage, "png, svg, pdf or html"},
		{[]string{"--compare", both, "neuron_freq_norm/norm_matrix"}, exitUsage, "comparison draws"},
		{[]string{"--compare", both, "nope"}, exitUsage, "bad view name"},
		{[]string{"--compare", ",", "loss"}, exitUsage, "--compare"},
		{[]string{"--compare", tooMany, "loss"}, exitUsage, "at most 12"},
		{[]string{"--compare", names[0] + "," + names[0], "loss"}, exitUsage, "twice"},
		{[]string{"--compare", names[0] + ",no_such_variant", "loss"}, exitUsage, "no_such_variant"},
		{[]string{"--compare", both, "neuron_freq_norm/summary/specialized_per_freq"}, exitUsage, "index"},
		{[]string{"--compare", both, "neuron_freq_norm/summary/nope"}, exitRuntime, "nope"},
		{[]string{"--compare", both, names[0], "loss"}, exitUsage, "arg"},
	} {
		before, _ := os.ReadDir(out)
		r := run(t, env, append([]string{"export"}, tc.args...)...)
		if r.code != tc.code {
			t.Errorf("export %v: code %d, want %d (stderr %q)", tc.args, r.code, tc.code, r.stderr)
		}
		oneErrorLine(t, r, tc.want)
		if after, _ := os.ReadDir(out); len(after) != len(before) {
			t.Errorf("export %v left a file behind", tc.args)
		}
	}
}
