package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"
)

// positiveInt is an int flag that refuses zero and negative values when it is
// given: its zero value means "not given" (the preset's or family's default),
// so an explicit --epochs 0 must not silently mean that default.
type positiveInt struct{ p *int }

func (v positiveInt) String() string {
	if v.p == nil || *v.p == 0 {
		return ""
	}
	return strconv.Itoa(*v.p)
}

func (v positiveInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	if n <= 0 {
		return fmt.Errorf("%d: want a positive number (leave the flag out for the default)", n)
	}
	*v.p = n
	return nil
}

func (v positiveInt) Type() string { return "int" }

// positiveIntVar defines a positiveInt flag stored in p.
func positiveIntVar(f *pflag.FlagSet, p *int, name, usage string) {
	f.Var(positiveInt{p}, name, usage)
}
