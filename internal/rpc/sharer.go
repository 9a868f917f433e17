package rpc

import (
	"context"
	"sync"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/internal/rpc/shm"
	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
)

// sharedThreshold is the smallest tensor sent through shared memory;
// smaller ones are cheaper to stream than to place.
const sharedThreshold = 256 << 10

// sharer decides, on the host side of one plugin connection, which tensors
// travel by shared-memory reference. Tensors already in a SharedArena go by
// reference as they are; other large tensors are copied once into a staging
// region owned by the connection. Any failure to attach a region at the plugin
// turns sharing off for the connection, which then streams everything.
type sharer struct {
	mu       sync.Mutex
	enabled  bool
	attached map[uint64]bool
	staging  *shm.Region
	client   tdwv1.AnalyzerClient
	log      hclog.Logger
}

func newSharer(enabled bool, client tdwv1.AnalyzerClient, log hclog.Logger) *sharer {
	return &sharer{enabled: enabled, attached: map[uint64]bool{}, client: client, log: log}
}

// refs returns one reference per tensor (nil: stream it). The staging region
// is reused per call, so the caller must hold its connection's call lock
// until the call has been answered.
func (s *sharer) refs(ctx context.Context, ts []named) []*tdwv1.SharedRef {
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := make([]*tdwv1.SharedRef, len(ts))
	if !s.enabled {
		return refs
	}
	s.releaseDead(ctx)
	need := 0
	for i, nt := range ts {
		b := nt.t.Bytes()
		if len(b) < sharedThreshold {
			continue
		}
		if r, off, ok := shm.Lookup(b); ok && r != s.staging {
			if !s.attach(ctx, r) {
				return make([]*tdwv1.SharedRef, len(ts))
			}
			refs[i] = &tdwv1.SharedRef{Region: r.ID(), Offset: off}
			continue
		}
		need += (len(b) + 63) &^ 63
	}
	if need == 0 {
		return refs
	}
	if s.staging == nil || s.staging.Size() < need {
		if s.staging != nil {
			s.drop(ctx, s.staging)
		}
		r, err := shm.Create(need)
		if err != nil {
			s.disable(err)
			return make([]*tdwv1.SharedRef, len(ts))
		}
		s.staging = r
	}
	if !s.attached[s.staging.ID()] {
		if !s.attach(ctx, s.staging) {
			return make([]*tdwv1.SharedRef, len(ts))
		}
		// Only this connection's plugin maps the staging region, so its file
		// can go now: nothing is left in /dev/shm even if both processes die.
		_ = s.staging.Unlink()
	}
	s.staging.Reset()
	for i, nt := range ts {
		b := nt.t.Bytes()
		if len(b) < sharedThreshold || refs[i] != nil {
			continue
		}
		dst, ok := s.staging.Alloc(len(b))
		if !ok {
			continue // cannot happen: need covers every such tensor
		}
		copy(dst, b)
		_, off, _ := shm.Lookup(dst)
		refs[i] = &tdwv1.SharedRef{Region: s.staging.ID(), Offset: off}
	}
	return refs
}

func (s *sharer) attach(ctx context.Context, r *shm.Region) bool {
	if s.attached[r.ID()] {
		return true
	}
	_, err := s.client.AttachShared(ctx, &tdwv1.AttachSharedRequest{Region: r.ID(), Path: r.Path(), Size: int64(r.Size())})
	if err != nil {
		s.disable(err)
		return false
	}
	s.attached[r.ID()] = true
	return true
}

func (s *sharer) disable(err error) {
	s.enabled = false
	s.log.Warn("shared memory unavailable, streaming tensors instead", "error", err)
}

// drop closes a region this connection owns and tells the plugin.
func (s *sharer) drop(ctx context.Context, r *shm.Region) {
	if s.attached[r.ID()] {
		_, _ = s.client.ReleaseShared(ctx, &tdwv1.ReleaseSharedRequest{Region: r.ID()})
		delete(s.attached, r.ID())
	}
	_ = r.Close()
}

// releaseDead tells the plugin to unmap regions the host has closed.
func (s *sharer) releaseDead(ctx context.Context) {
	for id := range s.attached {
		if !shm.Live(id) {
			_, _ = s.client.ReleaseShared(ctx, &tdwv1.ReleaseSharedRequest{Region: id})
			delete(s.attached, id)
		}
	}
}

// close frees the staging region; the plugin's mappings go with its process
// or its next ReleaseShared.
func (s *sharer) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging != nil {
		_ = s.staging.Close()
		s.staging = nil
	}
}
