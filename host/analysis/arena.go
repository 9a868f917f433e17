package analysis

import (
	"github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/sdk"
)

// sharedInputs puts the tensors that several analyzers of one checkpoint
// receive into shared memory once, so that each plugin reads them in place
// instead of copying them into its own staging memory (the full catalog sends
// the 26 MB MLP activations of a p=113 model to five plugins). Without shared
// memory it does nothing and the plugins stage their own copies.
type sharedInputs struct {
	arena *rpc.SharedArena
	off   bool // shared memory failed once: stop trying
	log   hclog.Logger
}

// share replaces, in every checkpoint, each tensor that more than one of
// them holds by one copy in the arena. Call release once the analyzers have
// returned.
func (s *sharedInputs) share(cps []*sdk.Checkpoint) {
	if s.off {
		return
	}
	uses := map[*sdk.Tensor]int{}
	count := func(t *sdk.Tensor) {
		if t != nil {
			uses[t]++
		}
	}
	for _, cp := range cps {
		for _, t := range cp.Hooks {
			count(t)
		}
		for _, t := range cp.Weights {
			count(t)
		}
		count(cp.Logits)
	}
	need := 0
	for t, n := range uses {
		if n > 1 {
			need += (len(t.Bytes()) + 63) &^ 63 // room for the arena's alignment
		}
	}
	if need == 0 {
		return
	}
	if s.arena == nil || s.arena.Size() < need {
		if s.arena != nil {
			s.arena.Close()
		}
		a, err := rpc.NewSharedArena(need + need/4)
		if err != nil {
			s.log.Info("shared memory unavailable; plugins copy their inputs", "error", err)
			s.arena, s.off = nil, true
			return
		}
		s.arena = a
	}
	copies := map[*sdk.Tensor]*sdk.Tensor{}
	for t, n := range uses {
		if n < 2 {
			continue
		}
		c, err := s.arena.Copy(t)
		if err != nil {
			s.log.Info("shared memory arena full; plugins copy the rest", "error", err)
			break
		}
		copies[t] = c
	}
	swap := func(t *sdk.Tensor) *sdk.Tensor {
		if c, ok := copies[t]; ok {
			return c
		}
		return t
	}
	for _, cp := range cps {
		for k, t := range cp.Hooks {
			cp.Hooks[k] = swap(t)
		}
		for k, t := range cp.Weights {
			cp.Weights[k] = swap(t)
		}
		cp.Logits = swap(cp.Logits)
	}
}

// release makes the arena reusable for the next checkpoint.
func (s *sharedInputs) release() {
	if s.arena != nil {
		s.arena.Reset()
	}
}

// close removes the arena.
func (s *sharedInputs) close() {
	if s.arena != nil {
		s.arena.Close()
		s.arena = nil
	}
}
