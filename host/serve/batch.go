package serve

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
)

// MaxBatch bounds the arrays one batch request may ask for.
const MaxBatch = 64

// BatchItem is one array of a batch answer: the array, or the error that
// kept it from being read (with its HTTP status).
type BatchItem struct {
	*ArrayAnswer
	Error  string `json:"error,omitempty"`
	Status int    `json:"status,omitempty"`
}

// batchSelect is one parsed select=ANALYZER/ARRAY[/i,j,...] parameter.
type batchSelect struct {
	analyzer, array string
	index           []int
}

// parseSelect parses select=ANALYZER/ARRAY or ANALYZER/ARRAY/i,j,k.
func parseSelect(s string) (batchSelect, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return batchSelect{}, errBadRequest("select=%q: want ANALYZER/ARRAY or ANALYZER/ARRAY/i,j,...", s)
	}
	if err := registry.SafePathComponent(parts[0]); err != nil {
		return batchSelect{}, errBadRequest("select=%q: analyzer name: %v", s, err)
	}
	b := batchSelect{analyzer: parts[0], array: parts[1]}
	if len(parts) == 3 {
		ix, err := results.ParseIndex(parts[2])
		if err != nil {
			return batchSelect{}, errBadRequest("select=%q: %v", s, err)
		}
		b.index = ix
	}
	return b, nil
}

// pathEpoch parses the {epoch} path value: a non-negative integer.
func pathEpoch(r *http.Request) (int, error) {
	es := r.PathValue("epoch")
	epoch, err := strconv.Atoi(es)
	if err != nil || epoch < 0 {
		return 0, errBadRequest("epoch %q: want a non-negative integer", es)
	}
	return epoch, nil
}

// epochBatch answers GET /api/variants/{family}/{variant}/epochs/{epoch}
// ?select=ANALYZER/ARRAY[/i,j,...]&select=...: several arrays of one epoch in
// one request (each as the single-array endpoint answers it, or with its own
// error), so that moving the epoch costs the page one round trip. Each
// analyzer's epoch file is opened once and only the selected entries are read.
func (s *Server) epochBatch(r *http.Request) (any, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return nil, err
	}
	epoch, err := pathEpoch(r)
	if err != nil {
		return nil, err
	}
	sels := r.URL.Query()["select"]
	if len(sels) == 0 || len(sels) > MaxBatch {
		return nil, errBadRequest("want 1 to %d select= parameters, got %d", MaxBatch, len(sels))
	}
	var parsed []batchSelect
	for _, sel := range sels {
		b, err := parseSelect(sel)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, b)
	}
	rd, _, err := s.manifest(v, probeParam(r))
	if err != nil {
		return nil, err
	}
	step, err := intParam(r, "step", 1)
	if err != nil {
		return nil, err
	}
	files := epochFiles{rd: rd, epoch: epoch}
	defer files.close()
	out := struct {
		Epoch  int         `json:"epoch"`
		Arrays []BatchItem `json:"arrays"`
	}{Epoch: epoch, Arrays: make([]BatchItem, len(parsed))}
	for i, b := range parsed {
		f, err := files.open(b.analyzer)
		var a *ArrayAnswer
		if err == nil {
			a, err = readSlice(f, b.array, results.Slice{Index: b.index, Step: step})
		}
		if err != nil {
			out.Arrays[i] = BatchItem{Error: err.Error(), Status: status(err)}
			continue
		}
		a.Analyzer, a.Epoch = b.analyzer, &epoch
		out.Arrays[i] = BatchItem{ArrayAnswer: a}
	}
	return out, nil
}

// epochFiles opens each analyzer's file of one epoch once for a batch, and
// remembers why one could not be opened.
type epochFiles struct {
	rd    *results.Reader
	epoch int
	files map[string]*results.File
	errs  map[string]error
}

func (e *epochFiles) open(analyzer string) (*results.File, error) {
	if f, ok := e.files[analyzer]; ok {
		return f, nil
	}
	if err, ok := e.errs[analyzer]; ok {
		return nil, err
	}
	if e.files == nil {
		e.files, e.errs = map[string]*results.File{}, map[string]error{}
	}
	f, err := e.rd.OpenEpoch(analyzer, e.epoch)
	if err != nil {
		e.errs[analyzer] = err
		return nil, err
	}
	e.files[analyzer] = f
	return f, nil
}

func (e *epochFiles) close() {
	for _, f := range e.files {
		f.Close()
	}
}
