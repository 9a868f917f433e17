package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// crossEpoch runs the cross-epoch analyzers after the per-checkpoint phase,
// each once its inputs are final (dependency order), on the stacked
// artifacts it declares.
func (r *Run) crossEpoch(ctx context.Context, s *setup, cross []*active) error {
	order, err := crossOrder(cross)
	if err != nil {
		return err
	}
	man := s.man
	// The manifest in hand is the one on disk (saved when the run started,
	// flushed by the per-checkpoint phase): the inputs are read by it.
	rd := r.art.With(man)
	start := time.Now()
	for i, a := range order {
		if ctx.Err() != nil {
			return nil
		}
		inputs, key, err := r.crossInputs(rd, a)
		if err != nil {
			a.rep.Failures[-1] = err.Error()
			record(man, a.m.Name).Errors[-1] = err.Error()
			continue
		}
		rec := record(man, a.m.Name)
		if !r.cfg.Force && rec.Cross != nil && rec.Cross.InputsKey == key && r.art.CrossOnDisk(a.m.Name) {
			a.rep.UpToDate++
			continue
		}
		t0 := time.Now()
		if err := r.runCross(ctx, a, inputs, r.runInfo(s, a)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.rep.Failures[-1] = err.Error()
			rec.Errors[-1] = err.Error()
			r.log.Error("cross-epoch analyzer failed", "analyzer", a.m.Name, "error", err)
		} else {
			rec.Cross = &results.CrossRecord{File: results.CrossRel(a.m.Name), Seconds: time.Since(t0).Seconds(), InputsKey: key}
			delete(rec.Errors, -1)
			a.rep.Computed++
			a.rep.Seconds += rec.Cross.Seconds
		}
		if err := saveManifest(man, r.ManifestPath()); err != nil {
			return err
		}
		if r.opts.Progress != nil {
			r.opts.Progress(Progress{Phase: "cross-epoch", Done: i + 1, Total: len(order), Elapsed: time.Since(start)})
		}
	}
	return nil
}

func (r *Run) runCross(ctx context.Context, a *active, inputs map[string]*sdk.Stacked, run *sdk.Run) error {
	p, err := r.opts.Launch(ctx, a.m, a.contract.replyLimit())
	if err != nil {
		return err
	}
	defer p.Close()
	out, err := p.AnalyzeAcross(ctx, run, inputs) // under the analyzer.json timeout (PluginLauncher)
	if err != nil {
		return err
	}
	n := 0
	for _, st := range inputs {
		n = max(n, len(st.Epochs))
	}
	if err := a.contract.check(out, nil, map[string]int{"n_epochs": n}, nil); err != nil {
		return fmt.Errorf("analyzer %s returned %w", a.m.Name, err)
	}
	path := r.art.CrossPath(a.m.Name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return artifact.WriteNPZ(path, out, artifact.WriteOptions{})
}

// crossInputs gathers a cross-epoch analyzer's declared artifacts, stacked
// over the epochs their source has completed, and a key that changes
// whenever any of them would.
func (r *Run) crossInputs(rd *results.Reader, a *active) (map[string]*sdk.Stacked, string, error) {
	man := rd.Manifest()
	in := map[string]*sdk.Stacked{}
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s\n", a.m.Name, a.m.Version, a.key)
	for _, ref := range a.m.Inputs.Artifacts {
		src, ok := man.Analyzers[ref.Analyzer]
		if !ok || len(src.Epochs) == 0 {
			return nil, "", fmt.Errorf("analyzer %s needs artifacts of %s, which has none for this variant (run it first or add it to the run)", a.m.Name, ref.Analyzer)
		}
		fmt.Fprintf(h, "%s %s %s", ref, src.Version, src.SettingsKey)
		for _, e := range src.CompletedEpochs() {
			fmt.Fprintf(h, " %d:%s", e, src.Epochs[e].CheckpointSHA256)
		}
		h.Write([]byte("\n"))
		var st *sdk.Stacked
		var err error
		if ref.Summary {
			st, err = rd.Summary(ref.Analyzer)
		} else {
			st, err = rd.Load(ref.Analyzer)
		}
		if err != nil {
			return nil, "", fmt.Errorf("analyzer %s input %s: %w", a.m.Name, ref, err)
		}
		in[ref.String()] = st
	}
	return in, hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// crossOrder sorts cross-epoch analyzers so that each comes after the
// cross-epoch analyzers whose artifacts it reads; a cycle is an error.
func crossOrder(cross []*active) ([]*active, error) {
	byName := map[string]*active{}
	for _, a := range cross {
		byName[a.m.Name] = a
	}
	var out []*active
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(a *active, path []string) error
	visit = func(a *active, path []string) error {
		switch state[a.m.Name] {
		case 1:
			return fmt.Errorf("cross-epoch analyzers depend on each other in a cycle: %v", append(path, a.m.Name))
		case 2:
			return nil
		}
		state[a.m.Name] = 1
		for _, ref := range a.m.Inputs.Artifacts {
			if dep, ok := byName[ref.Analyzer]; ok {
				if err := visit(dep, append(path, a.m.Name)); err != nil {
					return err
				}
			}
		}
		state[a.m.Name] = 2
		out = append(out, a)
		return nil
	}
	for _, a := range cross {
		if err := visit(a, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
