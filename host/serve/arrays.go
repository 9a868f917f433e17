package serve

import (
	"net/http"
	"os"
	"path/filepath"
	"sort"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/render"
)

// ArrayAnswer is one array, or the requested slice of it.
type ArrayAnswer struct {
	Analyzer string `json:"analyzer"`
	Name     string `json:"name"`
	Epoch    *int   `json:"epoch,omitempty"`
	DType    string `json:"dtype"`
	// Shape is the whole array's; Index and Step the selection; SliceShape
	// the shape of Data.
	Shape      []int  `json:"shape"`
	Index      []int  `json:"index"`
	Step       int    `json:"step"`
	SliceShape []int  `json:"slice_shape"`
	Data       Floats `json:"data"`
}

// analyzerRecord returns the {analyzer} path value its record in the
// variant's manifest, and its artifact folder.
func (s *Server) analyzerRecord(r *http.Request) (string, *analysis.AnalyzerRecord, string, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return "", nil, "", err
	}
	an, err := name(r, "analyzer")
	if err != nil {
		return "", nil, "", err
	}
	m, _, err := s.manifest(v)
	if err != nil {
		return "", nil, "", err
	}
	rec, ok := m.Analyzers[an]
	if !ok {
		return "", nil, "", errNotFound("variant %s has no artifacts of analyzer %s", v.Name, an)
	}
	dir, err := within(s.results, filepath.Join(v.ArtifactsDir(), an))
	return an, rec, dir, err
}

// selection parses the request's index= and step= parameters.
func selection(r *http.Request) (Slice, error) {
	index, err := render.ParseIndex(r.URL.Query().Get("index"))
	if err != nil {
		return Slice{}, errBadRequest("%v", err)
	}
	step, err := intParam(r, "step", 1)
	if err != nil {
		return Slice{}, err
	}
	return Slice{Index: index, Step: step}, nil
}

// openNPZ opens an artifact file, answering 404 when it does not exist.
func openNPZ(file string) (*artifact.NPZ, error) {
	z, err := artifact.OpenNPZ(file)
	if err != nil && os.IsNotExist(err) {
		return nil, errNotFound("%s does not exist", file)
	}
	return z, err
}

// readSlice reads the one named entry of an open npz file and applies the
// selection.
func readSlice(z *artifact.NPZ, array string, sl Slice) (*ArrayAnswer, error) {
	if array == "" {
		return nil, errBadRequest("empty array name")
	}
	if !z.Has(array) {
		names := z.Names()
		sort.Strings(names)
		return nil, errNotFound("%s holds no array %q (it holds %v)", z.Path(), array, names)
	}
	t, err := z.Read(array)
	if err != nil {
		return nil, err
	}
	vals, shape, err := sl.Apply(t, MaxElements)
	if err != nil {
		return nil, errBadRequest("array %s %s: %v", array, t, err)
	}
	return &ArrayAnswer{Name: array, DType: string(t.DType()), Shape: nonNil(t.Shape()), Index: nonNil(sl.Index),
		Step: max1(sl.Step), SliceShape: nonNil(shape), Data: Floats{Values: vals, Bits: floatBits(t.DType())}}, nil
}

// readFileSlice opens file, reads one entry and applies the request's
// selection.
func readFileSlice(r *http.Request, file, array string) (*ArrayAnswer, error) {
	sl, err := selection(r)
	if err != nil {
		return nil, err
	}
	z, err := openNPZ(file)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	return readSlice(z, array, sl)
}

// epochArray answers GET .../analyzers/{analyzer}/epochs/{epoch}/{array}.
func (s *Server) epochArray(r *http.Request) (any, error) {
	an, rec, dir, err := s.analyzerRecord(r)
	if err != nil {
		return nil, err
	}
	epoch, err := pathEpoch(r)
	if err != nil {
		return nil, err
	}
	if _, ok := rec.Epochs[epoch]; !ok {
		return nil, errNotFound("analyzer %s has no completed artifact at epoch %d", an, epoch)
	}
	a, err := readFileSlice(r, filepath.Join(dir, analysis.EpochFile(epoch)), r.PathValue("array"))
	if err != nil {
		return nil, err
	}
	a.Analyzer, a.Epoch = an, &epoch
	return a, nil
}

// crossArray answers GET .../analyzers/{analyzer}/cross/{array}.
func (s *Server) crossArray(r *http.Request) (any, error) {
	an, rec, dir, err := s.analyzerRecord(r)
	if err != nil {
		return nil, err
	}
	if rec.Cross == nil {
		return nil, errNotFound("analyzer %s has no cross-epoch artifact", an)
	}
	a, err := readFileSlice(r, filepath.Join(dir, analysis.CrossEpochFile), r.PathValue("array"))
	if err != nil {
		return nil, err
	}
	a.Analyzer = an
	return a, nil
}

// SummaryAnswer is an analyzer's summary series: one row per epoch.
type SummaryAnswer struct {
	Analyzer string `json:"analyzer"`
	Epochs   []int  `json:"epochs"`
	// Series hold each statistic with a leading epoch axis.
	Series map[string]SummarySeries `json:"series"`
}

// SummarySeries is one statistic over epochs: Shape is per epoch, Data
// flattens (epochs, shape...).
type SummarySeries struct {
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Data  Floats `json:"data"`
}

// summarySeries answers GET .../analyzers/{analyzer}/summary from
// summary.npz.
func (s *Server) summarySeries(r *http.Request) (any, error) {
	an, _, dir, err := s.analyzerRecord(r)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, analysis.SummaryFile)
	all, err := artifact.ReadNPZ(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errNotFound("analyzer %s has no summary (%s)", an, file)
		}
		return nil, err
	}
	ep, ok := all["epochs"]
	if !ok {
		return nil, errNotFound("%s has no epochs array", file)
	}
	out := SummaryAnswer{Analyzer: an, Epochs: []int{}, Series: map[string]SummarySeries{}}
	for _, e := range ep.AsFloat64() {
		out.Epochs = append(out.Epochs, int(e))
	}
	for n, t := range all {
		if n == "epochs" {
			continue
		}
		var sh []int
		if t.Rank() > 0 {
			sh = t.Shape()[1:]
		}
		out.Series[n] = SummarySeries{DType: string(t.DType()), Shape: nonNil(sh), Data: Floats{Values: t.AsFloat64(), Bits: floatBits(t.DType())}}
	}
	return out, nil
}
