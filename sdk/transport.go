package sdk

import (
	"context"
	"fmt"
	"sync"

	hclog "github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/internal/rpc/shm"
	"github.com/tdw-workbench/tdw/internal/rpc/wire"
)

// Transport limits. Tensors travel in 1 MiB chunks (wire.ChunkSize), so the
// raised message limits are headroom, not a requirement; the large HTTP/2
// flow-control windows let a stream of chunks run without waiting for
// window updates.
const (
	maxMessageSize = 64 << 20
	windowSize     = 16 << 20
	bufferSize     = 1 << 20
	// sharedThreshold is the smallest tensor sent through shared memory;
	// smaller ones are cheaper to stream than to place.
	sharedThreshold = 256 << 10
)

// GRPCDialOptions returns the gRPC options the host dials plugins with
// (go-plugin's ClientConfig.GRPCDialOptions): raised message limits and
// flow-control windows matching the plugin side.
func GRPCDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)),
		grpc.WithInitialWindowSize(windowSize),
		grpc.WithInitialConnWindowSize(windowSize),
		grpc.WithReadBufferSize(bufferSize),
		grpc.WithWriteBufferSize(bufferSize),
	}
}

// GRPCServer builds the gRPC server a plugin serves on (go-plugin's
// ServeConfig.GRPCServer), with the limits of GRPCDialOptions.
func GRPCServer(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append(opts, serverOptions()...)...)
}

func serverOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		grpc.InitialWindowSize(windowSize),
		grpc.InitialConnWindowSize(windowSize),
		grpc.ReadBufferSize(bufferSize),
		grpc.WriteBufferSize(bufferSize),
	}
}

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
		b := nt.t.data
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
		b := nt.t.data
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

// mappings is the plugin side: the regions the host asked it to attach.
type mappings struct {
	mu sync.Mutex
	m  map[uint64]*shm.Mapping
}

func (m *mappings) attach(req *tdwv1.AttachSharedRequest) error {
	mp, err := shm.Attach(req.GetPath(), req.GetSize())
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[uint64]*shm.Mapping{}
	}
	if old := m.m[req.GetRegion()]; old != nil {
		_ = old.Close()
	}
	m.m[req.GetRegion()] = mp
	return nil
}

func (m *mappings) release(id uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mp := m.m[id]; mp != nil {
		_ = mp.Close()
		delete(m.m, id)
	}
}

func (m *mappings) resolve(ref *tdwv1.SharedRef, n int64) ([]byte, error) {
	m.mu.Lock()
	mp := m.m[ref.GetRegion()]
	m.mu.Unlock()
	if mp == nil {
		return nil, errUnattached(ref.GetRegion())
	}
	return mp.Slice(ref.GetOffset(), n)
}

type errUnattached uint64

func (e errUnattached) Error() string {
	return fmt.Sprintf("shared-memory region %d was never attached", uint64(e))
}

// sendAll streams ts with their references through send.
func sendAll(send func(*tdwv1.TensorFrame) error, ts []named, refs []*tdwv1.SharedRef) error {
	for i, nt := range ts {
		w, err := toWire(nt.group, nt.name, nt.t)
		if err != nil {
			return err
		}
		var ref *tdwv1.SharedRef
		if refs != nil {
			ref = refs[i]
		}
		if err := wire.Send(send, w, ref); err != nil {
			return err
		}
	}
	return nil
}
