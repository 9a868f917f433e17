package modadd

import (
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/sdk"
)

// Default domain parameters, as in family.json and the reference project.
const (
	DefaultPrime         = 113
	DefaultSeed          = 999
	DefaultDataSeed      = 598
	DefaultTrainFraction = 0.3
)

// Bounds on the modulus: it must be an odd prime (the Fourier basis over Z_p
// pairs cos and sin rows only for odd p), and p² rows must stay a size a
// full-batch epoch can hold.
const (
	MinPrime = 3
	MaxPrime = 1009
)

// Params are the modular-addition family's domain parameters, checked.
type Params struct {
	Prime         int
	Seed          int64
	DataSeed      int64
	TrainFraction float64
}

// known lists the parameter names the family accepts.
var known = map[string]bool{"prime": true, "seed": true, "data_seed": true, "train_fraction": true}

// ParseParams reads and checks the domain parameters. A missing parameter
// takes its default; an unknown name, a value of the wrong type, a prime that
// is not prime or out of [MinPrime, MaxPrime], or a train_fraction outside
// (0, 1) or leaving an empty split gives an error naming the parameter.
func ParseParams(p sdk.Params) (Params, error) {
	for _, name := range p.Names() {
		if !known[name] {
			return Params{}, fmt.Errorf("modulo_addition_1layer: unknown parameter %q (known: prime, seed, data_seed, train_fraction)", name)
		}
	}
	out := Params{Prime: DefaultPrime, Seed: DefaultSeed, DataSeed: DefaultDataSeed, TrainFraction: DefaultTrainFraction}
	var err error
	if _, ok := p["prime"]; ok {
		if out.Prime, err = p.Int("prime"); err != nil {
			return Params{}, fmt.Errorf("modulo_addition_1layer: %w", err)
		}
	}
	if _, ok := p["seed"]; ok {
		s, err := p.Int("seed")
		if err != nil {
			return Params{}, fmt.Errorf("modulo_addition_1layer: %w", err)
		}
		out.Seed = int64(s)
	}
	if _, ok := p["data_seed"]; ok {
		s, err := p.Int("data_seed")
		if err != nil {
			return Params{}, fmt.Errorf("modulo_addition_1layer: %w", err)
		}
		out.DataSeed = int64(s)
	}
	if _, ok := p["train_fraction"]; ok {
		if out.TrainFraction, err = p.Float("train_fraction"); err != nil {
			return Params{}, fmt.Errorf("modulo_addition_1layer: %w", err)
		}
	}
	if out.Prime < MinPrime || out.Prime > MaxPrime {
		return Params{}, fmt.Errorf("modulo_addition_1layer: parameter \"prime\" is %d, outside [%d, %d]", out.Prime, MinPrime, MaxPrime)
	}
	if !IsPrime(out.Prime) {
		return Params{}, fmt.Errorf("modulo_addition_1layer: parameter \"prime\" is %d, which is not prime", out.Prime)
	}
	f := out.TrainFraction
	if math.IsNaN(f) || f <= 0 || f >= 1 {
		return Params{}, fmt.Errorf("modulo_addition_1layer: parameter \"train_fraction\" is %v, not in (0, 1)", f)
	}
	if n := out.NumTrain(); n < 1 || n >= out.Prime*out.Prime {
		return Params{}, fmt.Errorf("modulo_addition_1layer: parameter \"train_fraction\" %v leaves %d of %d pairs for training: both splits must be non-empty", f, n, out.Prime*out.Prime)
	}
	return out, nil
}

// NumTrain returns floor(TrainFraction · p²), the size of the training split.
func (p Params) NumTrain() int {
	return int(math.Floor(p.TrainFraction * float64(p.Prime*p.Prime)))
}

// IsPrime reports whether n is prime, by trial division (n is small here).
func IsPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}
