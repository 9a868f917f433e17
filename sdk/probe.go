package sdk

import "context"

// ProbeSpec asks a family for one of the probes its family.json declares:
// the entry's name, its generator and the generator's parameters.
type ProbeSpec struct {
	Name      string
	Generator string
	Params    Params
}

// Probe is a named probe: its rows and, when it has them, their labels
// (Labels is nil for a probe a researcher added without labels).
type Probe struct {
	Name string
	Dataset
}

// ProbeFamily is a Family that generates named probes (family.json
// "probes") and computes its analysis context over any probe's rows. It is
// optional: a family that does not implement it has one probe, its Probe
// call, and analyses of other probes get no family context.
type ProbeFamily interface {
	Family
	// ProbeGenerators lists the generator names GenerateProbe knows.
	ProbeGenerators() []string
	// GenerateProbe returns the probe spec describes for the domain
	// parameters p: tokens int64 [rows, n_ctx] and labels int64 [rows]. An
	// unknown generator, or a generator parameter that is unknown or out of
	// range, is an error naming it. It must be deterministic.
	GenerateProbe(ctx context.Context, p Params, spec ProbeSpec) (*Dataset, error)
	// ProbeContext returns the analysis context over probe's rows: the
	// entries AnalysisContext gives for the family's default probe, computed
	// for these rows (per-row labels, training-split membership, ...), and
	// without the entries that do not apply to them (a grid shape for rows
	// that are no grid). Rows the family cannot read are an error naming
	// the row.
	ProbeContext(ctx context.Context, p Params, probe Probe) (map[string]*Tensor, error)
}
