package registry

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Dim is one dimension of a declared shape, parsed from its words: a
// number, a name (d_mlp, p, batch, n_epochs, an integer parameter) or an
// integer expression of them with + - * / ^ and parentheses, e.g.
// "n_layers*d_mlp" or "(p-1)/2". Division truncates, as numpy's // does
// for positive sizes.
type Dim struct {
	text string
	root *dimNode // nil: not an expression tdw can evaluate (a free axis)
}

type dimNode struct {
	op          byte // 0 for a leaf
	num         int
	name        string
	left, right *dimNode
}

// String returns the dimension as written.
func (d Dim) String() string { return d.text }

// Eval returns the dimension's size given the sizes of names. ok is false
// when a name is unknown to lookup, a division is by zero, or the
// dimension was not an expression: such an axis is free (any size).
func (d Dim) Eval(lookup func(name string) (int, bool)) (n int, ok bool) {
	if d.root == nil {
		return 0, false
	}
	return d.root.eval(lookup)
}

func (n *dimNode) eval(lookup func(string) (int, bool)) (int, bool) {
	switch {
	case n.op == 0 && n.name != "":
		return lookup(n.name)
	case n.op == 0:
		return n.num, true
	}
	a, ok := n.left.eval(lookup)
	if !ok {
		return 0, false
	}
	b, ok := n.right.eval(lookup)
	if !ok {
		return 0, false
	}
	switch n.op {
	case '+':
		return a + b, true
	case '-':
		return a - b, true
	case '*':
		return a * b, true
	case '/':
		if b == 0 {
			return 0, false
		}
		return a / b, true
	case '^':
		if b < 0 || b > 64 {
			return 0, false
		}
		r := 1
		for range b {
			r *= a
		}
		return r, true
	}
	return 0, false
}

// Names returns the names the dimension refers to.
func (d Dim) Names() []string {
	var out []string
	var walk func(*dimNode)
	walk = func(n *dimNode) {
		if n == nil {
			return
		}
		if n.op == 0 && n.name != "" {
			out = append(out, n.name)
		}
		walk(n.left)
		walk(n.right)
	}
	walk(d.root)
	return out
}

// ParseDim parses one dimension. It returns an error for text that is not
// an integer expression of names and numbers.
func ParseDim(s string) (Dim, error) {
	p := &dimParser{s: strings.TrimSpace(s)}
	root, err := p.expr()
	if err == nil && p.pos < len(p.s) {
		err = fmt.Errorf("unexpected %q", p.s[p.pos:])
	}
	if err != nil {
		return Dim{text: s}, fmt.Errorf("dimension %q: %v", s, err)
	}
	return Dim{text: s, root: root}, nil
}

// Dims returns the declared shape's dimensions. A dimension that is not an
// expression (e.g. prose) is returned free: Eval reports it unknown. It
// returns nil when Shape is not a shape in words.
func (o OutputSpec) Dims() []Dim {
	words, err := shapeDims(o.Shape)
	if err != nil {
		return nil
	}
	dims := make([]Dim, len(words))
	for i, w := range words {
		d, _ := ParseDim(w)
		dims[i] = d
	}
	return dims
}

// dimParser is a recursive-descent parser of
// expr := term {(+|-) term}; term := power {(*|/) power};
// power := atom [^ power]; atom := number | name | ( expr ).
type dimParser struct {
	s   string
	pos int
}

func (p *dimParser) skip() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *dimParser) peek() byte {
	p.skip()
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *dimParser) expr() (*dimNode, error) {
	l, err := p.term()
	for err == nil && (p.peek() == '+' || p.peek() == '-') {
		op := p.s[p.pos]
		p.pos++
		var r *dimNode
		if r, err = p.term(); err == nil {
			l = &dimNode{op: op, left: l, right: r}
		}
	}
	return l, err
}

func (p *dimParser) term() (*dimNode, error) {
	l, err := p.power()
	for err == nil && (p.peek() == '*' || p.peek() == '/') {
		op := p.s[p.pos]
		p.pos++
		var r *dimNode
		if r, err = p.power(); err == nil {
			l = &dimNode{op: op, left: l, right: r}
		}
	}
	return l, err
}

func (p *dimParser) power() (*dimNode, error) {
	l, err := p.atom()
	if err == nil && p.peek() == '^' {
		p.pos++
		var r *dimNode
		if r, err = p.power(); err == nil {
			l = &dimNode{op: '^', left: l, right: r}
		}
	}
	return l, err
}

func (p *dimParser) atom() (*dimNode, error) {
	c := p.peek()
	switch {
	case c == '(':
		p.pos++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return n, nil
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		v, err := strconv.Atoi(p.s[start:p.pos])
		if err != nil {
			return nil, err
		}
		return &dimNode{num: v}, nil
	case c == '_' || unicode.IsLetter(rune(c)):
		start := p.pos
		for p.pos < len(p.s) && (p.s[p.pos] == '_' || unicode.IsLetter(rune(p.s[p.pos])) || unicode.IsDigit(rune(p.s[p.pos]))) {
			p.pos++
		}
		return &dimNode{name: p.s[start:p.pos]}, nil
	case c == 0:
		return nil, fmt.Errorf("ends early")
	}
	return nil, fmt.Errorf("unexpected %q", string(c))
}
