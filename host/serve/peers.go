package serve

import (
	"errors"
	"net/http"

	"github.com/tdw-workbench/tdw/host/peers"
	"github.com/tdw-workbench/tdw/host/registry"
)

// PeersAnswer is a variant's seed peers and the divergence of their
// weights from its own.
type PeersAnswer struct {
	Family string `json:"family"`
	Anchor string `json:"anchor"`
	By     string `json:"by"`
	// Seeds are the family's seed parameters, which By may name.
	Seeds []string     `json:"seeds"`
	Peers []PeerSeries `json:"peers"`
}

// PeerSeries is one peer's divergence from the anchor, in % of the
// anchor's norm, at the checkpoint epochs both have.
type PeerSeries struct {
	Name     string            `json:"name"`
	Value    string            `json:"value"` // the peer's value of By
	Epochs   []int             `json:"epochs"`
	Total    Floats            `json:"total"`
	Matrices map[string]Floats `json:"matrices"`
	// Note says why a peer has no series (no checkpoint in common).
	Note string `json:"note,omitempty"`
}

// variantPeers answers GET /api/variants/{family}/{variant}/peers?by=SEED:
// the variants whose parameters differ from this one's only in SEED (by
// default the family's first seed parameter) and their weight divergence
// (host/peers; read from the checkpoints on every request).
func (s *Server) variantPeers(r *http.Request) (any, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return nil, err
	}
	fam, err := s.families.Get(v.Family)
	if err != nil {
		return nil, errNotFound("family %s is not installed", v.Family)
	}
	seeds := peers.SeedParams(fam)
	by := r.URL.Query().Get("by")
	if by == "" && len(seeds) > 0 {
		by = seeds[0]
	}
	all, _ := s.tree.Variants(fam)
	ps, err := peers.Find(fam, v, all, by)
	if err != nil {
		return nil, errBadRequest("by=: %v", err)
	}
	out := PeersAnswer{Family: fam.Name, Anchor: v.Name, By: by, Seeds: nonNilStrings(seeds), Peers: []PeerSeries{}}
	for _, p := range ps {
		d, err := peers.Diverge(v, p)
		if errors.Is(err, peers.ErrNoCommonEpoch) {
			out.Peers = append(out.Peers, PeerSeries{Name: p.Name, Value: registry.FormatValue(p.Params[by]), Epochs: []int{},
				Total: finite(nil), Matrices: map[string]Floats{}, Note: "no checkpoint epoch in common with the anchor"})
			continue
		}
		if err != nil {
			return nil, err
		}
		ser := PeerSeries{Name: p.Name, Value: registry.FormatValue(p.Params[by]), Epochs: d.Epochs, Total: finite(d.Total), Matrices: map[string]Floats{}}
		for name, xs := range d.Matrices {
			ser.Matrices[name] = finite(xs)
		}
		out.Peers = append(out.Peers, ser)
	}
	return out, nil
}
