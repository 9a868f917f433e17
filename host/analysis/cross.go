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
	order, err := dependencyOrder(cross)
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
			record(man, a.m.Name).Errors[-1] = oneLine(err.Error())
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
			rec.Errors[-1] = oneLine(err.Error())
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
		if ref.Cross {
			st, err := crossInput(rd, a, ref.Analyzer, src)
			if err != nil {
				return nil, "", err
			}
			fmt.Fprintf(h, "%s %s %s %s\n", ref, src.Version, src.SettingsKey, src.Cross.InputsKey)
			in[ref.String()] = st
			continue
		}
		if !ok || len(src.Epochs) == 0 {
			return nil, "", fmt.Errorf("analyzer %s needs artifacts of %s, which has none for this variant (run it first or add it to the run)", a.m.Name, ref.Analyzer)
		}
		fmt.Fprintf(h, "%s %s %s", ref, src.Version, src.SettingsKey)
		for _, e := range src.CompletedEpochs() {
			fmt.Fprintf(h, " %d:%s", e, src.Epochs[e].CheckpointSHA256)
			if k := src.Epochs[e].InputsKey; k != "" { // a secondary source
				fmt.Fprintf(h, ":%s", k)
			}
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

// crossInput loads another cross-epoch analyzer's arrays for a chained one:
// its epochs are those of its "epochs" array, when it has one.
func crossInput(rd *results.Reader, a *active, name string, src *results.AnalyzerRecord) (*sdk.Stacked, error) {
	if src == nil || src.Cross == nil {
		return nil, fmt.Errorf("analyzer %s needs the cross-epoch artifact of %s, which this variant does not have (run it first or add it to the run)", a.m.Name, name)
	}
	arrays, err := rd.CrossEpoch(name)
	if err != nil {
		return nil, fmt.Errorf("analyzer %s input %s/cross_epoch: %w", a.m.Name, name, err)
	}
	st := &sdk.Stacked{Arrays: arrays}
	if ep, ok := arrays["epochs"]; ok && ep.Rank() == 1 {
		for _, v := range ep.AsFloat64() {
			st.Epochs = append(st.Epochs, int(v))
		}
	}
	return st, nil
}
