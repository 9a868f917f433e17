// Package centroiddmd is the centroid_dmd analyzer, a cross-epoch analysis of
// global_centroid_pca's output: an exact dynamic mode decomposition of each
// site's class-centroid trajectory in the shared frame. The one-step
// prediction residual of the best linear model is a task-agnostic signal of
// when the representation's dynamics change (a candidate marker of grokking
// onset in the reference project).
package centroiddmd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "centroid_dmd"
	Version = "0.1.0"
)

// Source is the input: global_centroid_pca's cross_epoch.npz, with epochs
// (E,) and per site SITE__projections (E, n_classes, k).
const Source = "global_centroid_pca/cross_epoch"

const projSuffix = "__projections"

// Analyzer implements sdk.CrossEpochAnalyzer. Per site s, with the state at
// epoch t the site's projections flattened (n_classes·k values, class-major):
//
//	s__eigenvalues     float64 (r, 2)               DMD eigenvalues λ_i as (re, im), by descending |λ|
//	s__modes           float64 (n_classes·k, r, 2)  exact DMD modes φ_i as (re, im)
//	s__amplitudes      float64 (r, 2)               α with x_0 ≈ Σ α_i φ_i
//	s__residual_norms  float64 (E−1,)               ‖x_{t+1} − Re(Φ Λ Φ⁺ x_t)‖
//	s__singular_values float64 (min(n_classes·k, E−1),)  of the snapshot matrix
//	s__n_modes         int64   ()                   r, the rank holding energy_threshold of the energy
//
// and epochs (E,) int64. The (re, im) pairs read as complex numbers with
// numpy's x.view(np.complex128)[..., 0].
type Analyzer struct{}

// New returns a centroid_dmd analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// AnalyzeAcross decomposes every site's trajectory.
func (a *Analyzer) AnalyzeAcross(_ context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	energy, err := run.Settings.Float("energy_threshold")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if !(energy > 0 && energy <= 1) {
		return nil, fmt.Errorf("%s: parameter %q is %g, want a value in (0, 1]", Name, "energy_threshold", energy)
	}
	st := inputs[Source]
	if st == nil {
		return nil, fmt.Errorf("%s: input %s missing", Name, Source)
	}
	ep := st.Arrays["epochs"]
	if ep == nil || ep.Rank() != 1 || ep.Len() < 2 {
		return nil, fmt.Errorf("%s: %s/epochs is %v, want at least 2 epochs (DMD needs a step)", Name, Source, ep)
	}
	E := ep.Len()
	epochs := make([]int64, E)
	for i, v := range ep.AsFloat64() {
		epochs[i] = int64(v)
	}
	out := map[string]*sdk.Tensor{"epochs": sdk.FromInt64(epochs, E)}
	var sites []string
	for name := range st.Arrays {
		if s, ok := strings.CutSuffix(name, projSuffix); ok && s != "" {
			sites = append(sites, s)
		}
	}
	if len(sites) == 0 {
		return nil, fmt.Errorf("%s: %s has no *%s arrays", Name, Source, projSuffix)
	}
	sort.Strings(sites)
	for _, site := range sites {
		pr := st.Arrays[site+projSuffix]
		if pr.DType() != sdk.Float64 || pr.Rank() != 3 || pr.Shape()[0] != E {
			return nil, fmt.Errorf("%s: %s/%s%s is %v, want float64 (epochs = %d, n_classes, k)", Name, Source, site, projSuffix, pr, E)
		}
		state := pr.Shape()[1] * pr.Shape()[2]
		d, err := stats.ExactDMD(pr.Float64s(), E, state, energy)
		if err != nil {
			return nil, fmt.Errorf("%s: site %s: %w", Name, site, err)
		}
		p := site + "__"
		r := d.Rank
		out[p+"eigenvalues"] = complexTensor(d.Eigenvalues, r)
		out[p+"modes"] = complexTensor(d.Modes, state, r)
		out[p+"amplitudes"] = complexTensor(d.Amplitudes, r)
		out[p+"residual_norms"] = sdk.FromFloat64(d.Residuals, E-1)
		out[p+"singular_values"] = sdk.FromFloat64(d.SingularValues, len(d.SingularValues))
		out[p+"n_modes"] = sdk.FromInt64([]int64{int64(r)})
	}
	return out, nil
}

// complexTensor stores z as float64 with a trailing (re, im) axis.
func complexTensor(z []complex128, shape ...int) *sdk.Tensor {
	x := make([]float64, 2*len(z))
	for i, v := range z {
		x[2*i], x[2*i+1] = real(v), imag(v)
	}
	return sdk.FromFloat64(x, append(shape, 2)...)
}
