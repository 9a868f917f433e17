package serve

import (
	"errors"
	"net/http"
	"sort"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/corpus"
	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/peers"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// VariantRow is one line of the variants table.
type VariantRow struct {
	Family string     `json:"family"`
	Name   string     `json:"name"`
	Params sdk.Params `json:"params"`
	State  string     `json:"state"`
	// Epochs is the number of trained epochs; Checkpoints the number of
	// checkpoint files.
	Epochs      int `json:"epochs"`
	Checkpoints int `json:"checkpoints"`
	// FinalTrainLoss and FinalTestLoss are the last checkpoint's losses
	// (null before the first checkpoint).
	FinalTrainLoss *float64 `json:"final_train_loss"`
	FinalTestLoss  *float64 `json:"final_test_loss"`
	// GrokkingEpoch is the first epoch with test accuracy above
	// variant.GrokkingAccuracy, -1 if none.
	GrokkingEpoch int `json:"grokking_epoch"`
	// Analyzers gives each of the family's installed analyzers' status.
	Analyzers []AnalyzerState `json:"analyzers"`
	// Outcome holds the variant summary's corpus cells by column name
	// (corpus.OutcomeColumns: "summary" is fresh, stale or missing, the
	// others null without a summary).
	Outcome map[string]any `json:"outcome"`
	// Error is set when the variant could not be read in full.
	Error string `json:"error,omitempty"`
	// Job is the dashboard job queued or running on the variant, if any.
	Job *JobRef `json:"job,omitempty"`
}

// JobRef names a job that holds a variant.
type JobRef struct {
	ID    string    `json:"id"`
	Kind  job.Kind  `json:"kind"`
	State job.State `json:"state"`
}

// AnalyzerState is one analyzer's artifact status for a variant.
type AnalyzerState struct {
	Name    string         `json:"name"`
	Kind    string         `json:"kind"`
	Done    []int          `json:"done"`
	Missing []int          `json:"missing"`
	Stale   []int          `json:"stale"`
	Failed  map[int]string `json:"failed,omitempty"`
	// Cross is "done", "missing" or "stale" for a cross-epoch analyzer.
	Cross string `json:"cross,omitempty"`
}

// listVariants answers GET /api/variants: every variant of every installed
// family, with problems reported per variant rather than failing the list.
func (s *Server) listVariants(*http.Request) (any, error) {
	type listing struct {
		Variants []VariantRow `json:"variants"`
		Problems []string     `json:"problems"`
	}
	out := listing{Variants: []VariantRow{}, Problems: []string{}}
	held := s.heldVariants()
	for _, fam := range s.families.List() {
		vs, errs := s.tree.Variants(fam)
		for _, err := range errs {
			out.Problems = append(out.Problems, err.Error())
		}
		ms := s.familyAnalyzers(fam)
		for _, v := range vs {
			row := s.row(v, ms)
			row.Job = held[v.Family+"/"+v.Name]
			out.Variants = append(out.Variants, row)
		}
	}
	sort.Slice(out.Variants, func(i, j int) bool {
		a, b := out.Variants[i], out.Variants[j]
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		return a.Name < b.Name
	})
	return out, nil
}

// heldVariants returns the jobs queued or running, by the variant they
// hold ("family/variant"): a job holds at most one variant, and the manager
// allows one job per variant.
func (s *Server) heldVariants() map[string]*JobRef {
	held := map[string]*JobRef{}
	if s.jobs != nil {
		for _, in := range s.jobs.List() {
			if !in.State.Final() {
				held[in.Family+"/"+in.Variant] = &JobRef{ID: in.ID, Kind: in.Kind, State: in.State}
			}
		}
	}
	return held
}

// familyAnalyzers returns the family's analyzers that are installed.
func (s *Server) familyAnalyzers(fam *registry.FamilyManifest) []*registry.AnalyzerManifest {
	var ms []*registry.AnalyzerManifest
	for _, n := range fam.Analyzers {
		if m, err := s.analyzers.Get(n); err == nil {
			ms = append(ms, m)
		}
	}
	return ms
}

// row summarizes one variant.
func (s *Server) row(v *variant.Variant, ms []*registry.AnalyzerManifest) VariantRow {
	row := VariantRow{Family: v.Family, Name: v.Name, Params: v.Params, GrokkingEpoch: -1, Analyzers: []AnalyzerState{}}
	st, err := v.State()
	if err != nil {
		row.Error = err.Error()
	}
	row.State = string(st)
	if st == variant.Analyzed {
		// ANALYZED only when every default analyzer is complete and fresh.
		if full, err := analysis.VariantState(v, ms); err == nil {
			row.State = string(full)
		}
	}
	row.Outcome = corpus.Cells(corpus.OutcomeColumns(), corpus.NewEntry(v))
	md, err := s.metadata(v)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.Epochs = md.EpochsCompleted
	row.Checkpoints = len(md.Checkpoints)
	if n := len(md.Checkpoints); n > 0 {
		last := md.Checkpoints[n-1]
		row.FinalTrainLoss, row.FinalTestLoss = &last.TrainLoss, &last.TestLoss
	}
	row.GrokkingEpoch = md.GrokkingEpoch()
	if st != variant.Analyzed {
		return row
	}
	sts, err := analysis.Status(v, ms)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	for _, a := range sts {
		row.Analyzers = append(row.Analyzers, AnalyzerState{Name: a.Name, Kind: a.Kind, Done: nonNil(a.Done),
			Missing: nonNil(a.Missing), Stale: nonNil(a.Stale), Failed: a.Failed, Cross: a.Cross})
	}
	return row
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func nonNil(xs []int) []int {
	if xs == nil {
		return []int{}
	}
	return xs
}

// openVariant resolves the {family}/{variant} path values to an existing
// variant of an installed family.
func (s *Server) openVariant(r *http.Request) (*variant.Variant, error) {
	fam, err := name(r, "family")
	if err != nil {
		return nil, err
	}
	vn, err := name(r, "variant")
	if err != nil {
		return nil, err
	}
	return s.variantByName(fam, vn)
}

// variantByName opens variant vn of installed family fam, both already
// checked to be safe path components.
func (s *Server) variantByName(fam, vn string) (*variant.Variant, error) {
	if _, err := s.families.Get(fam); err != nil {
		return nil, errNotFound("family %s is not installed", fam)
	}
	// Opening parses metadata.json, which is large for a long run: keep the
	// opened variant while the file stays the same.
	fi, err := s.tree.MetadataInfo(fam, vn)
	if err != nil {
		return nil, err
	}
	return s.variants.get(fam+"/"+vn, fi, func() (*variant.Variant, error) {
		v, err := s.tree.Variant(fam, vn)
		if err != nil && !errors.Is(err, results.ErrEscape) {
			return nil, errNotFound("%v", err)
		}
		return v, err
	})
}

// metadata returns the variant's parsed metadata.json, reading the file
// again only when it changed: a 25,000-epoch run's file takes ~60 ms to
// parse, and the variants table, a variant's page and a comparison of
// twelve would otherwise parse them on every request. The result is shared: callers must not modify it.
func (s *Server) metadata(v *variant.Variant) (*variant.Metadata, error) {
	fi, err := s.tree.MetadataInfo(v.Family, v.Name)
	if err != nil {
		return nil, err
	}
	return s.metas.get(v.Family+"/"+v.Name, fi, v.Metadata)
}

// VariantInfo is one variant's training record as the variant view draws it.
type VariantInfo struct {
	VariantRow
	NumEpochs int `json:"num_epochs"`
	// TrainLosses, TestLosses and TestAccuracies have one entry per trained
	// epoch, as in metadata.json.
	TrainLosses    Floats                     `json:"train_losses"`
	TestLosses     Floats                     `json:"test_losses"`
	TestAccuracies Floats                     `json:"test_accuracies"`
	Checkpoints    []variant.CheckpointRecord `json:"checkpoint_records"`
	// CheckpointEpochs are the epochs with a checkpoint file.
	CheckpointEpochs []int                     `json:"checkpoint_epochs"`
	Training         *variant.TrainingSettings `json:"training,omitempty"`
	// Summary is the variant summary (variant_summary.json), null when it
	// has none; its windows are drawn on the page's time series.
	Summary *outcome.Summary `json:"summary"`
	// Seeds are the family's seed parameters, for the peer comparison.
	Seeds []string `json:"seeds"`
	// Probes are the variant's probes (default first): ?probe=NAME on the
	// manifest, array, summary and export endpoints reads the analyses
	// over one of them.
	Probes []ProbeDigest `json:"probes"`
	// Pages are the family's pages (family.json "pages"), empty when it
	// declares none; PagesProblem says why a view of them does not resolve
	// against the installed analyzers (the page shows it).
	Pages        []registry.Page `json:"pages"`
	PagesProblem string          `json:"pages_problem,omitempty"`
}

// variantInfo answers GET /api/variants/{family}/{variant}.
func (s *Server) variantInfo(r *http.Request) (any, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return nil, err
	}
	fam, err := s.families.Get(v.Family)
	if err != nil {
		return nil, errNotFound("family %s is not installed", v.Family)
	}
	md, err := s.metadata(v)
	if err != nil {
		return nil, err
	}
	sum, err := outcome.Read(v)
	if err != nil && !errors.Is(err, outcome.ErrNoSummary) {
		return nil, err
	}
	probes, err := s.probes(v)
	if err != nil {
		return nil, err
	}
	pages := fam.Pages
	if pages == nil {
		pages = []registry.Page{}
	}
	var pagesProblem string
	if s.analyzers != nil {
		if err := s.analyzers.CheckPages(fam); err != nil {
			pagesProblem = err.Error()
		}
	}
	row := s.row(v, s.familyAnalyzers(fam))
	// The page's header says what runs on the variant, not only its state.
	row.Job = s.heldVariants()[v.Family+"/"+v.Name]
	return VariantInfo{
		Pages:            pages,
		PagesProblem:     pagesProblem,
		Probes:           probes,
		Summary:          sum,
		Seeds:            nonNilStrings(peers.SeedParams(fam)),
		VariantRow:       row,
		NumEpochs:        md.NumEpochs,
		TrainLosses:      finite(md.TrainLosses),
		TestLosses:       finite(md.TestLosses),
		TestAccuracies:   finite(md.TestAccuracies),
		Checkpoints:      md.Checkpoints,
		CheckpointEpochs: nonNil(md.CheckpointEpochs),
		Training:         md.Training,
	}, nil
}
