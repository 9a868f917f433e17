package analysis

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// flush writes every per-checkpoint analyzer's summary.npz, then the
// manifest. An analyzer whose summary cannot be written has that recorded
// as its failure (-1); the others' and the manifest are written all the
// same. Only the manifest's own write error stops the run.
func (r *Run) flush(man *results.Manifest, per []*active) error {
	for _, a := range per {
		if err := r.writeSummary(record(man, a.m.Name), a.m.Name); err != nil {
			msg := "summary.npz: " + err.Error()
			a.rep.Failures[-1] = msg
			record(man, a.m.Name).Errors[-1] = oneLine(msg)
			r.log.Error("analyzer summary failed", "analyzer", a.m.Name, "error", err)
		}
	}
	return saveManifest(man, r.ManifestPath())
}

// writeSummary stacks an analyzer's per-epoch statistics, as its record
// keeps them, into summary.npz, with an "epochs" array of every completed
// epoch. Every completed epoch must have every statistic: one that lacks a
// statistic another epoch has is an error naming the statistic and the
// epoch, and nothing is written.
// An analyzer without statistics gets no summary.npz; one left from an
// earlier run stays.
func (r *Run) writeSummary(rec *results.AnalyzerRecord, name string) error {
	epochs := rec.CompletedEpochs()
	arrays := map[string]*sdk.Tensor{}
	names := map[string]bool{}
	for _, e := range epochs {
		for k := range rec.Epochs[e].Summary {
			names[k] = true
		}
	}
	if len(names) == 0 {
		return nil
	}
	var used []int64
	for _, e := range epochs {
		used = append(used, int64(e))
	}
	for k := range names {
		var ts []*sdk.Tensor
		for _, e := range epochs {
			v, ok := rec.Epochs[e].Summary[k]
			if !ok {
				return fmt.Errorf("analyzer %s: summary %q missing at epoch %d", name, k, e)
			}
			t, err := v.Tensor()
			if err != nil {
				return fmt.Errorf("analyzer %s: summary %q at epoch %d: %w", name, k, e, err)
			}
			ts = append(ts, t)
		}
		st, err := results.Stack(ts)
		if err != nil {
			return fmt.Errorf("analyzer %s: summary %q changes shape across epochs: %w", name, k, err)
		}
		arrays[k] = st
	}
	arrays["epochs"] = sdk.FromInt64(used, len(used))
	path := r.art.SummaryPath(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return artifact.WriteNPZ(path, arrays, artifact.WriteOptions{})
}
