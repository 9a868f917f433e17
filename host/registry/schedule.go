package registry

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Schedule is a checkpoint schedule: which epochs of a training run are saved.
// Its text form is a comma-separated list of items, each one of
//
//	E       the single epoch E (0 is the untrained model)
//	A:B:S   epochs A, A+S, A+2S, ... up to and including B when reached
//	final   the last epoch of the run, whatever it is
//
// for example "0:1400:100,1500:8500:500,final". Whitespace around items is
// ignored.
type Schedule struct {
	items []scheduleItem
}

type scheduleItem struct {
	final          bool
	from, to, step int // a single epoch E is E:E:1
}

// ParseSchedule parses a schedule spec. It returns an error naming the bad
// item for an empty spec, a negative epoch, a zero or negative step or a
// range whose end is before its start.
func ParseSchedule(spec string) (*Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("empty checkpoint schedule")
	}
	s := &Schedule{}
	for i, raw := range strings.Split(spec, ",") {
		item := strings.TrimSpace(raw)
		it, err := parseScheduleItem(item)
		if err != nil {
			return nil, fmt.Errorf("checkpoint schedule item %d %q: %v", i+1, item, err)
		}
		s.items = append(s.items, it)
	}
	return s, nil
}

func parseScheduleItem(item string) (scheduleItem, error) {
	if item == "final" {
		return scheduleItem{final: true}, nil
	}
	if item == "" {
		return scheduleItem{}, fmt.Errorf("is empty")
	}
	parts := strings.Split(item, ":")
	if len(parts) != 1 && len(parts) != 3 {
		return scheduleItem{}, fmt.Errorf("want E, A:B:S or final")
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return scheduleItem{}, fmt.Errorf("%q is not an integer", p)
		}
		if n < 0 {
			return scheduleItem{}, fmt.Errorf("%d is negative", n)
		}
		nums[i] = n
	}
	if len(nums) == 1 {
		return scheduleItem{from: nums[0], to: nums[0], step: 1}, nil
	}
	it := scheduleItem{from: nums[0], to: nums[1], step: nums[2]}
	if it.step == 0 {
		return scheduleItem{}, fmt.Errorf("step is 0")
	}
	if it.to < it.from {
		return scheduleItem{}, fmt.Errorf("ends (%d) before it starts (%d)", it.to, it.from)
	}
	return it, nil
}

// MustParseSchedule is ParseSchedule that panics on a bad spec, for constants.
func MustParseSchedule(spec string) *Schedule {
	s, err := ParseSchedule(spec)
	if err != nil {
		panic("registry: " + err.Error())
	}
	return s
}

// Max returns the largest epoch the schedule names explicitly (ignoring
// final), or -1 when it names none.
func (s *Schedule) Max() int {
	m := -1
	for _, it := range s.items {
		if it.final {
			continue
		}
		last := it.from + (it.to-it.from)/it.step*it.step
		if last > m {
			m = last
		}
	}
	return m
}

// Epochs expands the schedule for a run of total epochs: sorted, without
// duplicates, final resolved to total. It returns an error if total is
// negative or the schedule names an epoch beyond total.
func (s *Schedule) Epochs(total int) ([]int, error) {
	if total < 0 {
		return nil, fmt.Errorf("negative epoch count %d", total)
	}
	if m := s.Max(); m > total {
		return nil, fmt.Errorf("checkpoint schedule %q names epoch %d, beyond the run's %d epochs", s, m, total)
	}
	set := map[int]bool{}
	for _, it := range s.items {
		if it.final {
			set[total] = true
			continue
		}
		for e := it.from; e <= it.to; e += it.step {
			set[e] = true
		}
	}
	out := make([]int, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Ints(out)
	return out, nil
}

// Scale returns the schedule written for a run of from epochs rescaled to a
// run of to epochs: every epoch, range end and step is multiplied by to/from
// and rounded (a step never below 1), so the checkpoints keep their place in
// the run. It returns an error unless from and to are positive.
func (s *Schedule) Scale(from, to int) (*Schedule, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("cannot scale a checkpoint schedule from %d to %d epochs", from, to)
	}
	r := float64(to) / float64(from)
	sc := func(x int) int { return int(math.Round(float64(x) * r)) }
	out := &Schedule{items: make([]scheduleItem, len(s.items))}
	for i, it := range s.items {
		if it.final {
			out.items[i] = it
			continue
		}
		n := scheduleItem{from: sc(it.from), to: sc(it.to), step: max(1, sc(it.step))}
		if it.from == it.to {
			n.step = 1
		}
		out.items[i] = n
	}
	return out, nil
}

// String writes the schedule in its spec form.
func (s *Schedule) String() string {
	parts := make([]string, len(s.items))
	for i, it := range s.items {
		switch {
		case it.final:
			parts[i] = "final"
		case it.from == it.to:
			parts[i] = strconv.Itoa(it.from)
		default:
			parts[i] = fmt.Sprintf("%d:%d:%d", it.from, it.to, it.step)
		}
	}
	return strings.Join(parts, ",")
}
