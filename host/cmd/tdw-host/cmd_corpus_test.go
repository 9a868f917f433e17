package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpusAndPeersCommands trains two model-seed peers of p = 17 (20
// epochs), tables them with corpus (--refresh writes their summaries from
// the training record alone: never analyzed), filters, sorts and writes
// CSV, and compares their weights with peers.
func TestCorpusAndPeersCommands(t *testing.T) {
	root := modaddFamilies(t)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	for _, seed := range []string{"3", "4"} {
		r := run(t, env, "train", "modulo_addition_1layer", "-p", "prime=17", "-p", "train_fraction=0.5", "-p", "seed="+seed,
			"--epochs", "20", "--checkpoints", "0:20:10", "--quiet")
		if r.code != exitOK {
			t.Fatalf("train seed %s: %d %s", seed, r.code, r.stderr)
		}
	}
	const a, b = "modulo_addition_1layer_p17_seed3_dseed598_frac0.5", "modulo_addition_1layer_p17_seed4_dseed598_frac0.5"

	r := run(t, env, "corpus", "modulo_addition_1layer", "--no-files")
	if r.code != exitOK || strings.Count(r.stdout, " missing ") != 2 {
		t.Errorf("corpus before any summary: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	csvPath := filepath.Join(root, "c.csv")
	r = run(t, env, "corpus", "modulo_addition_1layer", "--refresh", "--sort", "-seed", "--out-csv", csvPath, "--out-json", filepath.Join(root, "c.json"),
		"--columns", "seed,summary,failure_mode,first_descent,variant")
	if r.code != exitOK {
		t.Fatalf("corpus --refresh: %d %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "SEED") || !strings.HasPrefix(lines[1], "4 ") || !strings.Contains(lines[1], "fresh") ||
		!strings.Contains(lines[1], "no_grokking") || !strings.Contains(lines[2], a) {
		t.Errorf("corpus --refresh --sort -seed:\n%s", r.stdout)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 3 || recs[0][0] != "variant" || recs[1][0] != b {
		t.Errorf("CSV %v, %v", recs, err)
	}
	r = run(t, env, "corpus", "modulo_addition_1layer", "--no-files", "--where", "seed<4", "--where", "failure_mode=no_grokking")
	if r.code != exitOK || !strings.Contains(r.stdout, a) || strings.Contains(r.stdout, b) {
		t.Errorf("--where seed<4: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range [][]string{{"--where", "mode=x"}, {"--where", "seed"}, {"--sort", "nope"}, {"--columns", "seed,nope"}} {
		r = run(t, env, append([]string{"corpus", "modulo_addition_1layer", "--no-files"}, bad...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "nope") && !strings.Contains(r.stderr, "mode") && !strings.Contains(r.stderr, "OP") {
			t.Errorf("%v: code %d, stderr %q", bad, r.code, r.stderr)
		}
	}

	out := filepath.Join(root, "peers.csv")
	r = run(t, env, "peers", a, "--by", "seed", "--out-csv", out)
	if r.code != exitOK || !strings.Contains(r.stdout, "peer   seed=4  "+b) || !strings.Contains(r.stdout, "seed=4 TOTAL%") {
		t.Errorf("peers: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if data, err := os.ReadFile(out); err != nil || !strings.Contains(string(data), b+",0,total,") || !strings.Contains(string(data), ",20,blocks.0.mlp.W_in,") {
		t.Errorf("peers CSV: %v\n%s", err, data)
	}
	if r = run(t, env, "peers", a, "--by", "data_seed"); r.code == exitOK || !strings.Contains(r.stderr, "no peers differing only in data_seed") {
		t.Errorf("no data-seed peers: %d %s", r.code, r.stderr)
	}
	if r = run(t, env, "peers", a, "--by", "prime"); r.code != exitUsage || !strings.Contains(r.stderr, "not a seed parameter") {
		t.Errorf("--by prime: %d %s", r.code, r.stderr)
	}
}
