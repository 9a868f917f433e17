package modadd

// The split permutation uses its own small generator rather than math/rand so
// that it is specified here completely and reproducible in any language (a
// Python reimplementation is a dozen lines); it cannot match PyTorch's
// torch.randperm, so a variant's split differs from the reference project's
// for the same data_seed. metadata.json records the indices either way.

// splitMix64 is Steele, Lea and Flood's SplitMix64 generator.
type splitMix64 struct{ state uint64 }

func (s *splitMix64) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform integer in [0, n) by rejection: draws at or above
// the largest multiple of n that fits in 64 bits are discarded, so there is
// no modulo bias.
func (s *splitMix64) below(n uint64) uint64 {
	limit := -(-n % n) // 2^64 - (2^64 mod n), computed in wrapping arithmetic
	for {
		x := s.next()
		if limit == 0 || x < limit {
			return x % n
		}
	}
}

// Permutation returns a permutation of 0..n-1 determined by seed: the
// identity shuffled by Fisher–Yates from the last index down, index i swapped
// with a uniform j in [0, i] drawn by SplitMix64 seeded with uint64(seed).
func Permutation(n int, seed int64) []int {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	rng := splitMix64{state: uint64(seed)}
	for i := n - 1; i > 0; i-- {
		j := int(rng.below(uint64(i) + 1))
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}
