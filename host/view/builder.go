package view

import (
	"errors"
	"fmt"

	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Manifests finds an analyzer's manifest by name (a
// *registry.AnalyzerRegistry is one); the builder reads the axis and view
// metadata of analyzer.json through it.
type Manifests interface {
	Get(name string) (*registry.AnalyzerManifest, error)
}

// Builder builds the view specs of one variant: from its metadata.json
// (training curves), its analysis artifacts (read through host/results),
// its outcome summary (window markers) and the analyzers' manifests (axis
// names, units, suggested views). Create it with NewBuilder; it is not
// safe for concurrent use.
type Builder struct {
	v         *variant.Variant
	manifests Manifests
	rd        *results.Reader   // nil until an analyzer view needs it
	md        *variant.Metadata // nil until read
	out       *outcome.Summary  // nil until read (or when there is none)
	outRead   bool
}

// NewBuilder returns a builder over the variant. manifests may be nil: the
// views are then the generic, shape-driven ones.
func NewBuilder(v *variant.Variant, manifests Manifests) *Builder {
	return &Builder{v: v, manifests: manifests}
}

// WithReader makes the builder read artifacts through rd (a reader of v's
// manifest the caller keeps) instead of reading the manifest itself.
func (b *Builder) WithReader(rd *results.Reader) *Builder { b.rd = rd; return b }

// WithMetadata makes the builder use md, v's metadata.json read earlier.
func (b *Builder) WithMetadata(md *variant.Metadata) *Builder { b.md = md; return b }

// Variant returns the variant the builder draws.
func (b *Builder) Variant() *variant.Variant { return b.v }

func (b *Builder) reader() (*results.Reader, error) {
	if b.rd != nil {
		return b.rd, nil
	}
	rd, err := results.For(b.v).Reader()
	if err != nil {
		return nil, err
	}
	b.rd = rd
	return rd, nil
}

func (b *Builder) metadata() (*variant.Metadata, error) {
	if b.md != nil {
		return b.md, nil
	}
	md, err := b.v.Metadata()
	if err != nil {
		return nil, err
	}
	b.md = md
	return md, nil
}

// outcome returns the variant's outcome summary, nil when it has none or
// it cannot be read (the markers it gives are then left out).
func (b *Builder) outcome() *outcome.Summary {
	if !b.outRead {
		b.outRead = true
		if s, err := outcome.Read(b.v); err == nil {
			b.out = s
		}
	}
	return b.out
}

// manifest returns the named analyzer's manifest, nil when there is no
// registry or the analyzer is not installed.
func (b *Builder) manifest(analyzer string) *registry.AnalyzerManifest {
	if b.manifests == nil {
		return nil
	}
	m, err := b.manifests.Get(analyzer)
	if err != nil {
		return nil
	}
	return m
}

// declared returns the declaration of an array (or, with summary, of a
// summary statistic) in its analyzer's manifest, nil when there is none.
func (b *Builder) declared(analyzer, array string, summary bool) *registry.OutputSpec {
	m := b.manifest(analyzer)
	if m == nil {
		return nil
	}
	list := m.Outputs
	if summary {
		list = m.Summary
	}
	for i := range list {
		if list[i].Name == array {
			return &list[i]
		}
	}
	for i := range list {
		if list[i].Matches(array) {
			return &list[i]
		}
	}
	return nil
}

// resolve turns ANALYZER/ARRAY of an analyzer with only a cross-epoch
// artifact into a CrossArray reference, and returns the analyzer's record.
func (b *Builder) resolve(ref Ref) (Ref, *results.AnalyzerRecord, *results.Reader, error) {
	rd, err := b.reader()
	if err != nil {
		return ref, nil, nil, err
	}
	rec, err := rd.Record(ref.Analyzer)
	if err != nil {
		return ref, nil, nil, err
	}
	if ref.Kind == EpochArray && len(rec.Epochs) == 0 && rec.Cross != nil {
		ref.Kind = CrossArray
	}
	return ref, rec, rd, nil
}

// Build builds the spec of one picture of the request.
func (b *Builder) Build(req Request) (*Spec, error) {
	var s *Spec
	var err error
	switch req.Ref.Kind {
	case Loss:
		s, err = b.loss(req)
	case Accuracy:
		s, err = b.accuracy(req)
	default:
		s, err = b.analyzerView(req)
	}
	if err != nil {
		return nil, err
	}
	s.Name = req.Ref.String()
	if req.ColorRange != nil && s.Color != nil {
		rescale(s.Color, req.ColorRange[0], req.ColorRange[1])
	}
	return s, nil
}

// analyzerView builds the spec of a view of an analyzer's artifacts.
func (b *Builder) analyzerView(req Request) (*Spec, error) {
	ref, rec, rd, err := b.resolve(req.Ref)
	if err != nil {
		return nil, err
	}
	req.Ref = ref
	switch ref.Kind {
	case EpochArray:
		return b.epochArray(req, rec, rd)
	case CrossArray:
		return b.crossArray(req, rd)
	case Path:
		return b.path(req, rd)
	}
	return b.summary(req, rd)
}

// Epochs returns the epochs a view has frames for (a GIF, the page's
// slider): the analyzer's completed epochs for a per-epoch array, the
// trajectory's epochs for a path, the checkpoint epochs for the training
// curves and summary statistics (which mark the epoch). A cross-epoch
// array does not change with the epoch: a results.ErrSelection error.
func (b *Builder) Epochs(ref Ref) ([]int, error) {
	if ref.Training() {
		md, err := b.metadata()
		if err != nil {
			return nil, err
		}
		return md.CheckpointEpochs, nil
	}
	ref, rec, rd, err := b.resolve(ref)
	if err != nil {
		return nil, err
	}
	switch ref.Kind {
	case CrossArray:
		return nil, fmt.Errorf("%w: view %s is a cross-epoch array and does not change with the epoch", results.ErrSelection, ref)
	case Path:
		_, eps, err := trajectory(ref, rd)
		return eps, err
	}
	eps := rec.CompletedEpochs()
	if len(eps) == 0 {
		return nil, fmt.Errorf("analyzer %s has no completed epoch: %w", ref.Analyzer, results.ErrNotFound)
	}
	return eps, nil
}

// Frames builds one spec per epoch of the view (Epochs), all on one colour
// (or y) range: the frames of an animation.
func (b *Builder) Frames(req Request) ([]*Spec, error) {
	eps, err := b.Epochs(req.Ref)
	if err != nil {
		return nil, err
	}
	out := make([]*Spec, 0, len(eps))
	for _, e := range eps {
		req.Epoch = e
		req.FixedRange = false // one range for all is set below, from the frames themselves
		s, err := b.Build(req)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	ShareRange(out)
	return out, nil
}

// errNoEpoch is the error of an analyzer with nothing completed.
func errNoEpoch(analyzer string) error {
	return fmt.Errorf("analyzer %s has no completed epoch: %w", analyzer, results.ErrNotFound)
}

// IsBadRequest reports whether err is the request's fault (a bad view
// name, style, epoch or index) rather than something missing or broken.
func IsBadRequest(err error) bool {
	return errors.Is(err, ErrBadView) || errors.Is(err, results.ErrSelection)
}
