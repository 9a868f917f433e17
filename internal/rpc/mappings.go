package rpc

import (
	"fmt"
	"sync"

	"github.com/tdw-workbench/tdw/internal/rpc/shm"
	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
)

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
