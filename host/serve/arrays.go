package serve

import (
	"net/http"

	"github.com/tdw-workbench/tdw/host/results"
)

// MaxElements bounds the elements of one array answer: a bigger array must
// be sliced with index= or thinned with step=.
const MaxElements = 1 << 20

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

// analyzer returns the {analyzer} path value and a reader of the variant's
// artifacts, after checking the manifest has a record of the analyzer.
func (s *Server) analyzer(r *http.Request) (string, *results.Reader, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return "", nil, err
	}
	an, err := name(r, "analyzer")
	if err != nil {
		return "", nil, err
	}
	rd, _, err := s.manifest(v, probeParam(r))
	if err != nil {
		return "", nil, err
	}
	if _, err := rd.Record(an); err != nil {
		return "", nil, err
	}
	return an, rd, nil
}

// selection parses the request's index= and step= parameters.
func selection(r *http.Request) (results.Slice, error) {
	index, err := results.ParseIndex(r.URL.Query().Get("index"))
	if err != nil {
		return results.Slice{}, errBadRequest("%v", err)
	}
	step, err := intParam(r, "step", 1)
	if err != nil {
		return results.Slice{}, err
	}
	return results.Slice{Index: index, Step: step}, nil
}

// readSlice reads the one named entry of an open artifact and applies the
// selection.
func readSlice(f *results.File, array string, sl results.Slice) (*ArrayAnswer, error) {
	if array == "" {
		return nil, errBadRequest("empty array name")
	}
	t, err := f.Read(array)
	if err != nil {
		return nil, err
	}
	vals, shape, err := sl.Apply(t, MaxElements)
	if err != nil {
		return nil, errBadRequest("array %s %s: %v", array, t, err)
	}
	return &ArrayAnswer{Name: array, DType: string(t.DType()), Shape: nonNil(t.Shape()), Index: nonNil(sl.Index),
		Step: max(1, sl.Step), SliceShape: nonNil(shape), Data: Floats{Values: vals, Bits: floatBits(t.DType())}}, nil
}

// readFileSlice reads one entry of an opened artifact, applying the
// request's selection, and closes the file.
func readFileSlice(r *http.Request, f *results.File, array string) (*ArrayAnswer, error) {
	defer f.Close()
	sl, err := selection(r)
	if err != nil {
		return nil, err
	}
	return readSlice(f, array, sl)
}

// epochArray answers GET .../analyzers/{analyzer}/epochs/{epoch}/{array}.
func (s *Server) epochArray(r *http.Request) (any, error) {
	an, rd, err := s.analyzer(r)
	if err != nil {
		return nil, err
	}
	epoch, err := pathEpoch(r)
	if err != nil {
		return nil, err
	}
	f, err := rd.OpenEpoch(an, epoch)
	if err != nil {
		return nil, err
	}
	a, err := readFileSlice(r, f, r.PathValue("array"))
	if err != nil {
		return nil, err
	}
	a.Analyzer, a.Epoch = an, &epoch
	return a, nil
}

// crossArray answers GET .../analyzers/{analyzer}/cross/{array}.
func (s *Server) crossArray(r *http.Request) (any, error) {
	an, rd, err := s.analyzer(r)
	if err != nil {
		return nil, err
	}
	f, err := rd.OpenCross(an)
	if err != nil {
		return nil, err
	}
	a, err := readFileSlice(r, f, r.PathValue("array"))
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
	an, rd, err := s.analyzer(r)
	if err != nil {
		return nil, err
	}
	st, err := rd.Summary(an)
	if err != nil {
		return nil, err
	}
	out := SummaryAnswer{Analyzer: an, Epochs: nonNil(st.Epochs), Series: map[string]SummarySeries{}}
	for n, t := range st.Arrays {
		var sh []int
		if t.Rank() > 0 {
			sh = t.Shape()[1:]
		}
		out.Series[n] = SummarySeries{DType: string(t.DType()), Shape: nonNil(sh), Data: Floats{Values: t.AsFloat64(), Bits: floatBits(t.DType())}}
	}
	return out, nil
}
