package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Selection says which kind of position selection a Positions is.
type Selection uint8

// The position selections. The zero value is AllPositions.
const (
	// AllPositions keeps every position: TransformerLens' shapes.
	AllPositions Selection = iota
	// LastPosition keeps the last position and removes that axis:
	// [B,n,d]→[B,d], [B,n,h,dh]→[B,h,dh], [B,h,nq,nk]→[B,h,nk] (the last
	// query row), hook_scale [B,n,1]→[B,1], logits [B,n,V]→[B,V].
	LastPosition
	// ListPositions keeps the positions in Positions.Indices, in that
	// order, and keeps the axis.
	ListPositions
)

// Positions selects sequence positions of an activation or of the logits:
// every one, the last one, or a list. It is one concept for the engine (a
// cache keeps all or the last position) and for analyzer.json (an analyzer
// may also ask for a list, which the host cuts from all positions).
type Positions struct {
	Select Selection
	// Indices are the positions, as written, when Select is ListPositions.
	Indices []int
}

// PosAll and PosLast are the selections a forward pass keeps.
var (
	PosAll  = Positions{Select: AllPositions}
	PosLast = Positions{Select: LastPosition}
)

// ParsePositions accepts "all" and "last", the selections a forward pass
// keeps.
func ParsePositions(s string) (Positions, error) {
	switch s {
	case "all":
		return PosAll, nil
	case "last":
		return PosLast, nil
	}
	return Positions{}, fmt.Errorf("positions %q, want \"all\" or \"last\"", s)
}

// String writes the selection as analyzer.json does: "all", "last" or a
// list such as "[0, 2]".
func (p Positions) String() string {
	switch p.Select {
	case AllPositions:
		return "all"
	case LastPosition:
		return "last"
	}
	parts := make([]string, len(p.Indices))
	for i, x := range p.Indices {
		parts[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// kept checks that the engine can keep p (all or last, not a list): a
// list is cut from all positions by whoever asked for it.
func (p Positions) kept(what string) error {
	if p.Select != AllPositions && p.Select != LastPosition {
		return fmt.Errorf("%s: positions %s: a forward pass keeps \"all\" or \"last\" (cut a list from all)", what, p)
	}
	return nil
}
