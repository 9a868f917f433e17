package main

import (
	"bytes"
	"encoding/xml"
	"image/gif"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	const name = "modulo_addition_1layer_p17_seed999_dseed598_frac0.5"
	r := run(t, env, "run", "--epochs", "20", "-p", "prime=17", "-p", "train_fraction=0.5",
		"--analyzers", "neuron_freq_norm,neuron_dynamics", "--quiet")
	if r.code != exitOK {
		t.Fatalf("run: code %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	epochFiles, err := filepath.Glob(filepath.Join(results, "modulo_addition_1layer", name, "analysis", "neuron_freq_norm", "epoch_*.npz"))
	if err != nil || len(epochFiles) < 2 {
		t.Fatalf("analyzed epochs %v, %v: want at least 2", epochFiles, err)
	}
	out := t.TempDir()

	// Each kind of view, in each format, decodes as what it claims to be.
	for _, tc := range []struct {
		view   string
		args   []string
		format string
	}{
		{"loss", nil, "png"},
		{"loss", []string{"--epoch", "10"}, "svg"},
		{"neuron_freq_norm/norm_matrix", nil, "png"},
		{"neuron_freq_norm/norm_matrix", []string{"--epoch", "0"}, "svg"},
		{"neuron_freq_norm/norm_matrix", nil, "gif"},
		{"neuron_freq_norm/summary/specialized_count", []string{"--epoch", "0"}, "png"},
		{"neuron_freq_norm/summary/specialized_per_freq", []string{"--index", "3"}, "gif"},
		{"neuron_dynamics/cross/dominant_frequency", nil, "svg"},
		{"neuron_dynamics/switch_count", nil, "png"},
		{"neuron_freq_norm/norm_matrix", []string{"--as", "heatmap"}, "pdf"},
		{"neuron_dynamics/cross/dominant_frequency", nil, "pdf"},
		{"neuron_freq_norm/norm_matrix", []string{"--epoch", "10"}, "html"},
	} {
		file := filepath.Join(out, strings.NewReplacer("/", "-").Replace(tc.view)+strings.Join(tc.args, "")+"."+tc.format)
		args := append([]string{"export", name, tc.view, "--format", tc.format, "--out", file}, tc.args...)
		r := run(t, env, args...)
		if r.code != exitOK {
			t.Errorf("export %v: code %d, stderr %q", args[2:], r.code, r.stderr)
			continue
		}
		if r.stdout != "wrote "+file+"\n" {
			t.Errorf("export %v: stdout %q", args[2:], r.stdout)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Error(err)
			continue
		}
		switch tc.format {
		case "png":
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", file, err)
			}
		case "svg":
			d := xml.NewDecoder(bytes.NewReader(data))
			var err error
			for err == nil {
				_, err = d.Token()
			}
			if err != io.EOF || !bytes.Contains(data, []byte("<svg")) {
				t.Errorf("%s: not an SVG document: %v", file, err)
			}
		case "pdf":
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Errorf("%s: not a PDF document", file)
			}
		case "html":
			// Standalone: the embedded Plotly.js, its licence and the view
			// script inlined, nothing loaded from elsewhere.
			for _, want := range []string{"<!DOCTYPE html>", "plotly.js (strict - minified) v3.7.0", "MIT License", "var tdwView", `id="tdw-spec"`} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("%s: lacks %q", file, want)
				}
			}
			if bytes.Contains(data, []byte("<script src=")) {
				t.Errorf("%s: loads a script from elsewhere", file)
			}
		case "gif":
			g, err := gif.DecodeAll(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", file, err)
			} else if len(g.Image) != len(epochFiles) {
				t.Errorf("%s: %d frames, want one per analyzed epoch (%d)", file, len(g.Image), len(epochFiles))
			}
		}
	}

	// The default name comes from the variant, view and epoch, in the
	// current folder.
	t.Chdir(out)
	r = run(t, env, "export", "modulo_addition_1layer/"+name, "neuron_freq_norm/norm_matrix", "--epoch", "20")
	want := name + "_neuron_freq_norm-norm_matrix_e20.png"
	if r.code != exitOK || r.stdout != "wrote "+want+"\n" {
		t.Fatalf("default name: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, want)); err != nil {
		t.Error(err)
	}

	// The views the variant has, with the --as each takes.
	r = run(t, env, "views", name)
	if r.code != exitOK {
		t.Fatalf("views: code %d stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"loss ", "neuron_freq_norm/norm_matrix", "sorted_heatmap", "neuron_dynamics/cross/dominant_frequency", "SUGGESTED"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("views lacks %q:\n%s", want, r.stdout)
		}
	}

	// Bad requests name what is wrong; usage mistakes exit 2, missing
	// artifacts 1, and no file is left behind.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{name, "loss", "--format", "jpeg"}, exitUsage, `"jpeg"`},
		{[]string{name, "nope"}, exitUsage, "bad view name"},
		{[]string{name, "a/../b"}, exitUsage, "bad view name"},
		{[]string{name, "loss", "--index", "x"}, exitUsage, "--index"},
		{[]string{name, "loss", "--format", "gif", "--epoch", "3"}, exitUsage, "--epoch"},
		{[]string{name, "no_analyzer/x"}, exitRuntime, "no_analyzer"},
		{[]string{name, "neuron_freq_norm/no_array"}, exitRuntime, `"no_array"`},
		{[]string{name, "neuron_freq_norm/norm_matrix", "--epoch", "123456"}, exitUsage, "epoch 123456 is beyond the run"},
		{[]string{name, "loss", "--epoch", "123456"}, exitUsage, "epoch 123456 is beyond the run"},
		{[]string{name, "neuron_freq_norm/norm_matrix", "--index", "1,2,3"}, exitUsage, "index"},
		{[]string{name, "neuron_freq_norm/norm_matrix", "--as", "pie"}, exitUsage, "pie"},
		{[]string{name, "neuron_freq_norm/summary/specialized_per_freq", "--index", "1,2"}, exitUsage, "specialized_per_freq"},
		{[]string{name, "neuron_dynamics/cross/epochs", "--format", "gif"}, exitUsage, "does not change with the epoch"},
		{[]string{"no_such_variant", "loss"}, exitUsage, "no_such_variant"},
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
